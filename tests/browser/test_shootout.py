"""A second leg to the end in a real browser: the aggregate in words under the score, then extra time and a
shoot-out arriving kick by kick (a retake included) on a fan's page on server B, recorded on server A."""

from __future__ import annotations

import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import (
    ARTIFACTS,
    EDITOR,
    assert_not_reloaded,
    log_in,
    mark_no_reload,
    screenshot,
    settle,
    wait_live,
)
from tests.browser.test_bracket import remove_competition, shell
from tests.browser.test_pages import AXE_OPTIONS


@pytest.fixture
def second_leg(cluster):
    """Porto won the first leg 1-0 at home; the second leg, in Rome, is ready to kick off."""
    suffix = secrets.token_hex(3)
    made = shell(cluster, f"""
import json
from tests.db.test_bracket_page import make_two_legged_tie
tie, first, second = make_two_legged_tie(first_leg=(1, 0), names=("Porto {suffix}", "Roma {suffix}"))
teams = [tie.team_a_id, tie.team_b_id]
print(json.dumps({{"competition": tie.stage.competition_id, "second": second.id, "teams": teams}}))
""")
    yield made
    remove_competition(cluster, made["competition"], teams=made["teams"])


def test_the_aggregate_and_a_shootout_arrive_live_on_the_match_page(web, fan_server, api, second_leg):
    second = second_leg["second"]
    snapshot = api.snapshot(second)
    roma, porto = snapshot["match"]["home"], snapshot["match"]["away"]
    roma_xi, porto_xi = snapshot["lineups"]["home"]["starting"], snapshot["lineups"]["away"]["starting"]
    page = web.page(fan_server, f"/matches/{second}/")
    wait_live(page)
    mark_no_reload(page)
    knockout = page.locator("#knockout")

    api.event(second, kind="period_start", minute=0)
    expect(knockout.locator(".knockout__sentence")).to_have_text("Porto lead 1-0 on aggregate")
    api.event(second, kind="goal", minute=30, team=roma["id"], player=roma_xi[9]["id"])
    expect(knockout.locator(".knockout__sentence")).to_have_text("Level 1-1 on aggregate")

    for kind, period in [("period_end", "first_half"), ("period_start", "second_half"), ("period_end", "second_half"),
                         ("period_start", "extra_time_first_half"), ("period_end", "extra_time_first_half"),
                         ("period_start", "extra_time_second_half"), ("period_end", "extra_time_second_half"),
                         ("period_start", "penalties")]:
        api.event(second, kind=kind, period=period)
    expect(knockout.locator(".knockout__extra-time")).to_have_text("After extra time")

    def kick(team, taker, outcome):
        return api.event(second, kind="shootout_kick", team=team["id"], player=taker["id"], kick_outcome=outcome)

    roma_kicks = knockout.locator('.shootout__side[data-side="home"] .kick')
    porto_kicks = knockout.locator('.shootout__side[data-side="away"] .kick')
    kick(roma, roma_xi[9], "scored")
    expect(roma_kicks).to_have_count(1)
    expect(roma_kicks.first).to_have_class("kick kick--scored")
    saved = kick(porto, porto_xi[9], "saved")
    expect(porto_kicks.first).to_have_class("kick kick--saved")
    api.post(f"/api/events/{saved['id']}/retake", {"reason": "Goalkeeper off his line (VAR)"})
    expect(porto_kicks.first).to_have_class("kick kick--saved kick--retaken")
    kick(porto, porto_xi[9], "missed")
    for taker in (8, 7):
        kick(roma, roma_xi[taker], "scored")
        kick(porto, porto_xi[taker], "saved")
    expect(knockout.locator(".knockout__extra-time")).to_have_text("After extra time; penalties 3–0")
    expect(knockout.locator(".knockout__sentence")).to_contain_text("win 3-0 on penalties")
    expect(roma_kicks).to_have_count(3)
    expect(porto_kicks).to_have_count(4)  # the retaken kick stays, marked
    expect(page.locator("#score-home")).to_have_text("1")
    assert_not_reloaded(page)

    settle(page)
    page.evaluate("document.querySelectorAll('.kick--new').forEach(e => e.classList.remove('kick--new'))")
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    (ARTIFACTS / "knockout").mkdir(parents=True, exist_ok=True)
    screenshot(page, "knockout/shootout-desktop-light", full_page=False)


def play_to_penalties(api, second: int, scorer: dict, team: dict) -> None:
    api.event(second, kind="period_start", minute=0)
    api.event(second, kind="goal", minute=30, team=team["id"], player=scorer["id"])
    for kind, period in [("period_end", "first_half"), ("period_start", "second_half"), ("period_end", "second_half"),
                         ("period_start", "extra_time_first_half"), ("period_end", "extra_time_first_half"),
                         ("period_start", "extra_time_second_half"), ("period_end", "extra_time_second_half"),
                         ("period_start", "penalties")]:
        api.event(second, kind=kind, period=period)


def test_an_editor_records_kicks_from_the_keyboard_and_orders_a_retake(web, editor_server, api, second_leg):
    second = second_leg["second"]
    snapshot = api.snapshot(second)
    roma, roma_xi = snapshot["match"]["home"], snapshot["lineups"]["home"]["starting"]
    play_to_penalties(api, second, roma_xi[9], roma)
    page = web.page(editor_server, "/")
    log_in(page, *EDITOR, next_path=f"/editor/matches/{second}/")
    wait_live(page)

    page.keyboard.press("x")
    expect(page.locator("#kind-shootout_kick")).to_be_checked()
    expect(page.locator("#field-kick_outcome")).to_be_visible()
    page.locator("#team-home").check()
    page.locator("#field-kick_outcome").select_option("saved")
    page.locator("#event-submit").click()
    expect(page.locator('#timeline li[data-kind="shootout_kick"]')).to_have_count(1)
    [kick] = [e for e in api.snapshot(second)["events"] if e["kind"] == "shootout_kick"]
    assert (kick["team"]["id"], kick["kick_outcome"]) == (roma["id"], "saved")

    page.once("dialog", lambda dialog: dialog.accept("Goalkeeper off his line (VAR)"))
    page.locator(f'#event-{kick["id"]} button[data-action="retake"]').click()
    expect(page.locator(f"#event-{kick['id']}")).to_have_attribute("data-state", "retaken")
    [kick] = [e for e in api.snapshot(second)["events"] if e["kind"] == "shootout_kick"]
    assert (kick["state"], kick["state_reason"]) == ("retaken", "Goalkeeper off his line (VAR)")
