"""What each team needs: a short summary per team with the reasoning one tap away, and on a goal only the sentences
and lines whose words changed flash. Group E before its last matchday: Napoli v Genk, Salzburg v Liverpool."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Api, DemoMatch, screenshot, settle, wait_live, wait_until_true
from tests.browser.test_pages import AXE_OPTIONS, DESKTOP, PHONE

SCENARIOS_WITHIN_MS = 3_000

# Every flash in the panel from now on, checked against the words of what it replaced.
RECORD_FLASHES = """() => {
  const container = document.getElementById("scenarios-container");
  const words = (element) => element.textContent.replace(/\\s+/g, " ").trim();
  window.__flashes = {changed: [], unchanged: [], blocks: 0};
  new MutationObserver((mutations) => {
    const before = new Map();
    mutations.forEach((m) => m.removedNodes.forEach((node) => {
      if (!node.querySelectorAll) return;
      node.querySelectorAll("[data-flash-key]").forEach((e) => before.set(e.dataset.flashKey, words(e)));
    }));
    if (!before.size) return;
    container.querySelectorAll(".scenario--changed").forEach((element) => {
      const key = element.dataset.flashKey;
      if (!key) { window.__flashes.blocks += 1; return; }
      (before.get(key) === words(element) ? window.__flashes.unchanged : window.__flashes.changed).push(key);
    });
  }).observe(container, {childList: true});
}"""


def team(page: Page, club: dict):
    return page.locator(f'#scenarios [data-team-id="{club["id"]}"]')


def sentence(page: Page, club: dict, line: str):
    return team(page, club).locator(f'[data-sentence="{line}"]')


def reasoning(page: Page, club: dict, line: str):
    return team(page, club).locator(f'[data-line="{line}"]')


def goal(api: Api, match: DemoMatch, side: str, scorer: str, minute: int) -> None:
    club = match.home if side == "home" else match.away
    api.event(match.id, kind="goal", minute=minute, team=club["id"], player=match.player(side, scorer)["id"])


def test_each_team_has_a_short_summary_and_the_reasoning_one_tap_away(web, fan_server, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    napoli, genk, salzburg, liverpool = (napoli_genk.home, napoli_genk.away, salzburg_liverpool.home,
                                         salzburg_liverpool.away)
    page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/")
    wait_live(page)
    expect(sentence(page, liverpool, "round-of-16")).to_have_text(
        "Through if they win or draw; if they lose, it depends on other results and the scores.")
    expect(sentence(page, liverpool, "group-winner")).to_have_text(
        "Top of the group if they win; if they draw or lose, it depends on other results and the scores.")
    expect(sentence(page, napoli, "round-of-16")).to_have_text(
        "Through if they win or draw; if they lose, it depends on other results.")
    expect(sentence(page, salzburg, "europa-league")).to_contain_text("Europa League if they draw or lose")
    expect(team(page, genk).locator("[data-sentence]")).to_have_text(["Out: cannot finish in the top three."])

    # The long reasoning is there, folded: one tap (or Enter on the summary) opens it.
    long_line = reasoning(page, liverpool, "round-of-16")
    expect(long_line).to_be_hidden()
    expect(long_line).to_contain_text("with a defeat at Salzburg if Napoli beat Genk")
    opener = team(page, liverpool).get_by_text("Why")
    expect(opener).to_have_accessible_name("Why for Liverpool, line by line")
    opener.focus()
    page.keyboard.press("Enter")
    expect(long_line).to_be_visible()
    expect(reasoning(page, napoli, "round-of-16")).to_be_hidden()


def test_a_goal_flashes_only_the_sentences_and_lines_that_changed(web, fan_server, api, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    liverpool = salzburg_liverpool.away
    page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/matchdays/6/")
    wait_live(page)
    team(page, liverpool).get_by_text("Why").click()
    for match in matchday_6:
        match.kick_off(api)
    page.wait_for_timeout(1_000)  # let the kick-offs' answers arrive first
    page.evaluate(RECORD_FLASHES)

    # Liverpool lead at Salzburg: losing now takes two Salzburg goals, so the examples in the reasoning change
    # ("Salzburg 1-0 Liverpool" cannot happen any more); what Liverpool need in short does not.
    summary_before = sentence(page, liverpool, "round-of-16").text_content()
    goal(api, salzburg_liverpool, "away", "Keïta", 12)
    expect(reasoning(page, liverpool, "round-of-16")).not_to_contain_text("Salzburg 1-0 Liverpool",
                                                                         timeout=SCENARIOS_WITHIN_MS)
    wait_until_true(page, "window.__flashes.changed.length + window.__flashes.blocks > 0")
    flashes = page.evaluate("window.__flashes")
    assert flashes["blocks"] == 0, "a whole team flashed"
    assert flashes["unchanged"] == [], f"unchanged words flashed: {flashes['unchanged']}"
    assert f"{liverpool['id']}:line:round-of-16" in flashes["changed"]
    assert f"{liverpool['id']}:summary:round-of-16" not in flashes["changed"]
    assert sentence(page, liverpool, "round-of-16").text_content() == summary_before
    # The reasoning a reader opened stays open through the update.
    expect(reasoning(page, liverpool, "round-of-16")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_table_and_what_each_team_needs_pass_axe_with_screenshots(web, fan_server, matchday_6, scheme):
    napoli_genk, salzburg_liverpool = matchday_6
    folder = ARTIFACTS / "group-table"
    folder.mkdir(parents=True, exist_ok=True)
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        extra = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if device == "phone" else {}
        page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/", viewport=viewport, color_scheme=scheme,
                        **extra)
        wait_live(page)
        team(page, salzburg_liverpool.away).get_by_text("Why").click()
        page.locator(f"#predict-{salzburg_liverpool.id}-home").fill("1")
        page.locator(f"#predict-{salzburg_liverpool.id}-away").fill("1")
        expect(page.locator("#predictor-table")).to_be_visible()
        settle(page, 3.2)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the group page scrolls sideways: {widths}"
        results = Axe().run(page, options=AXE_OPTIONS)
        assert results.violations_count == 0, results.generate_report()
        screenshot(page, f"group-table/group-{device}-{scheme}")
        page.goto(f"/groups/{napoli_genk.group_id}/matchdays/6/")
        wait_live(page)
        settle(page)
        results = Axe().run(page, options=AXE_OPTIONS)
        assert results.violations_count == 0, results.generate_report()
        screenshot(page, f"group-table/matchday-{device}-{scheme}")
