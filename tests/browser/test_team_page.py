"""The team page in a real browser at phone size: a team's path (its group, its matches in order) on a fan's
page on server B, and a goal recorded on server A in the team's final appearing there without a reload;
the page passes axe, with a screenshot (test-artifacts/team/)."""

from __future__ import annotations

import re
import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_not_reloaded, mark_no_reload, screenshot, settle, wait_live
from tests.browser.test_bracket import remove_competition, shell
from tests.browser.test_pages import AXE_OPTIONS, PHONE

CLOCK = re.compile(r"^\d+(\+\d+)?'$")
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def cup_run(cluster):
    """A group of four played to the end and its winner's final, with lineups, not kicked off (tests/db/
    test_team_page.py's make_cup_run, under names of its own). Removed afterwards."""
    suffix = secrets.token_hex(3)
    made = shell(cluster, f"""
import json
from tests.db.test_team_page import make_cup_run
competition, team, final = make_cup_run(name="Cup {suffix}", names=("Alpha {suffix}", "Beta {suffix}",
                                                                    "Gamma {suffix}", "Delta {suffix}"))
teams = sorted({{m.home_id for m in competition.matches.all()}} | {{m.away_id for m in competition.matches.all()}})
print(json.dumps({{"competition": competition.id, "team": team.id, "final": final.id, "teams": teams}}))
""")
    made["suffix"] = suffix
    yield made
    remove_competition(cluster, made["competition"], teams=made["teams"])


def test_a_goal_in_the_teams_final_appears_on_its_path_without_a_reload(web, fan_server, api, cup_run):
    suffix = cup_run["suffix"]
    page = web.page(fan_server, f"/competitions/{cup_run['competition']}/teams/{cup_run['team']}/", **PHONE_CONTEXT)
    wait_live(page)
    expect(page.get_by_role("heading", level=1)).to_have_accessible_name(f"Alpha {suffix}")
    expect(page.locator(".team-group__place")).to_have_text("1st, 9 points from 3 matches: Round of 16")
    expect(page.locator("tr[aria-current=true]")).to_contain_text(f"Alpha {suffix}")
    expect(page.locator(".path-match__round")).to_have_text(
        ["Group A, matchday 1", "Group A, matchday 2", "Group A, matchday 3", "Final"])
    expect(page.locator(".path-match__result")).to_have_text(["Won 2–0", "Won 3–1", "Won 1–0"])
    final = page.locator(f"#path-match-{cup_run['final']}")
    expect(final).to_contain_text("Not played yet")
    expect(final.locator("time")).to_have_attribute("data-localised", "true")
    mark_no_reload(page)

    snapshot = api.snapshot(cup_run["final"])
    striker = snapshot["lineups"]["home"]["starting"][8]
    api.event(cup_run["final"], kind="period_start", minute=0)
    expect(final.locator(".status--live")).to_have_text("Live")
    expect(page.locator("#team-next-match")).to_contain_text("Playing now")
    api.event(cup_run["final"], kind="goal", minute=12, team=cup_run["team"], player=striker["id"])

    expect(final.locator(".path-match__score")).to_have_text("1–0")
    expect(final.locator(".path-match__scorers")).to_have_text(f"{striker['name']} 12'")
    expect(page.locator("#team-announcer")).to_have_text(f"Alpha {suffix} 1–0 Beta {suffix}")
    expect(final.locator("time")).to_have_attribute("data-localised", "true")
    # The clock ticks from the match's own clock, not the server's words for the period.
    expect(final.locator(f'[data-clock-for="{cup_run["final"]}"]')).to_have_text(CLOCK)
    assert_not_reloaded(page)

    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    settle(page)
    page.evaluate("document.querySelectorAll('.path-match--changed')"
                  ".forEach(e => e.classList.remove('path-match--changed'))")
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    (ARTIFACTS / "team").mkdir(parents=True, exist_ok=True)
    screenshot(page, "team/team-phone-live")
