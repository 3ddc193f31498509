"""The bracket page in a real browser: a goal recorded on server A moves a two-legged tie's aggregate and
sentence on a fan's page on server B without a reload; the page passes axe on phone and desktop, light
and dark, with screenshots (test-artifacts/bracket/)."""

from __future__ import annotations

import json
import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    assert_not_reloaded,
    mark_no_reload,
    run_commands,
    screenshot,
    settle,
    wait_live,
)
from tests.browser.test_pages import AXE_OPTIONS, DESKTOP, PHONE

SEASON_FILE = "data/openfootball/2024-25-uefa.cl.json"


def shell(cluster, code: str) -> dict:
    """Run `code` in the cluster's Django (it prints one JSON line) and return what it printed."""
    output = cluster.manage("shell", "-v", "0", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


def remove_competition(cluster, competition_id: int, teams: list[int] = ()) -> None:
    """Take a competition this module added out of the cluster's database again: its change log and events
    first (the log protects what it describes)."""
    run_commands(cluster, "from events.models import Change, Competition, MatchEvent, Team",
                 f"Change.objects.filter(match__competition_id={competition_id}).delete()",
                 f"MatchEvent.objects.filter(match__competition_id={competition_id}).delete()",
                 f"Competition.objects.filter(pk={competition_id}).delete()",
                 f"Team.objects.filter(pk__in={list(teams)}).delete()")


@pytest.fixture
def two_legged_tie(cluster):
    """Porto v Roma in a round of 16: Porto won the first leg 2-1 (a result); the second leg, in Rome,
    has lineups and has not kicked off. Removed afterwards, so that no other page sees it."""
    suffix = secrets.token_hex(3)
    made = shell(cluster, f"""
import json
from tests.db.test_bracket_page import make_two_legged_tie
tie, first, second = make_two_legged_tie(names=("Porto {suffix}", "Roma {suffix}"))
print(json.dumps({{"competition": tie.stage.competition_id, "tie": tie.id, "first": first.id, "second": second.id,
                  "teams": [tie.team_a_id, tie.team_b_id]}}))
""")
    yield made
    remove_competition(cluster, made["competition"], teams=made["teams"])


@pytest.fixture
def season_2024_25(cluster):
    """The 2024-25 Champions League as imported from its file (kept if the cluster already had it)."""
    found = shell(cluster, """
import json
from events.models import Competition
found = Competition.objects.filter(season="2024-25", name__icontains="Champions League").first()
print(json.dumps({"competition": found.id if found else None}))
""")
    if found["competition"] is not None:
        yield found["competition"]
        return
    cluster.manage("import_openfootball", SEASON_FILE)
    made = shell(cluster, """
import json
from events.models import Competition
print(json.dumps({"competition": Competition.objects.get(season="2024-25", name__icontains="Champions League").id}))
""")
    yield made["competition"]
    remove_competition(cluster, made["competition"])


def tie(page: Page, tie_id: int):
    return page.locator(f"#tie-{tie_id}")


def test_a_goal_in_a_second_leg_moves_the_aggregate_and_sentence_without_a_reload(
    web, fan_server, api, two_legged_tie
):
    page = web.page(fan_server, f"/competitions/{two_legged_tie['competition']}/bracket/")
    wait_live(page)
    porto_roma = tie(page, two_legged_tie["tie"])
    expect(porto_roma.locator(".tie__sentence")).to_have_text("Porto lead 2-1 on aggregate")
    mark_no_reload(page)

    second = two_legged_tie["second"]
    snapshot = api.snapshot(second)
    roma, striker = snapshot["match"]["home"], snapshot["lineups"]["home"]["starting"][9]  # Roma, at home
    api.event(second, kind="period_start", minute=0)
    expect(porto_roma.locator(".tie__leg--live")).to_contain_text("0–0")
    api.event(second, kind="goal", minute=30, team=roma["id"], player=striker["id"])

    expect(porto_roma.locator(".tie__sentence")).to_have_text("Level 2-2 on aggregate")
    expect(porto_roma.locator(".tie__goals")).to_have_text(["2", "2"])
    expect(porto_roma.locator(".tie__leg--live")).to_contain_text("1–0")
    expect(page.locator("#bracket-announcer")).to_have_text("Level 2-2 on aggregate")

    api.event(second, kind="goal", minute=40, team=roma["id"], player=striker["id"])
    expect(porto_roma.locator(".tie__sentence")).to_have_text("Roma lead 3-2 on aggregate")
    for period in ("first_half", "second_half"):  # half time, the second half, full time
        api.event(second, kind="period_end", period=period)
        if period == "first_half":
            api.event(second, kind="period_start", period="second_half")
    expect(porto_roma.locator(".tie__sentence")).to_have_text("Roma win 3-2 on aggregate")
    expect(porto_roma.locator(".tie__side--winner")).to_contain_text("Roma")
    expect(porto_roma.locator(".tie__side--winner")).to_contain_text("Through")
    expect(porto_roma.locator(".tie__decided")).to_have_text("Decided on aggregate")
    assert_not_reloaded(page)

    settle(page)
    page.evaluate("document.querySelectorAll('.tie--changed').forEach(e => e.classList.remove('tie--changed'))")
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_bracket_of_a_season_passes_axe_on_phone_and_desktop_with_screenshots(
    web, fan_server, api, season_2024_25, scheme
):
    rounds = api.get(f"/api/competitions/{season_2024_25}/bracket")["rounds"]
    decided = sum(tie["winner"] is not None for round_ in rounds for tie in round_["ties"])
    folder = ARTIFACTS / "bracket"
    folder.mkdir(parents=True, exist_ok=True)
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        extra = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if device == "phone" else {}
        page = web.page(fan_server, f"/competitions/{season_2024_25}/bracket/", viewport=viewport,
                        color_scheme=scheme, **extra)
        wait_live(page)
        expect(page.locator("#league-phase")).to_contain_text("9/10 v 23/24")
        expect(page.locator(".round__title").first).to_contain_text("Knockout phase play-offs")
        expect(page.locator(".tie__side--winner")).to_have_count(decided)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the bracket scrolls sideways: {widths}"
        columns = page.evaluate(
            "[...document.querySelectorAll('.round')].map(r => Math.round(r.getBoundingClientRect().left))"
        )
        if device == "desktop":
            assert len(set(columns)) == len(columns), f"the rounds should stand side by side: {columns}"
        else:
            assert len(set(columns)) == 1, f"the rounds should be stacked: {columns}"
        settle(page)
        results = Axe().run(page, options=AXE_OPTIONS)
        assert results.violations_count == 0, results.generate_report()
        screenshot(page, f"bracket/bracket-{device}-{scheme}")
