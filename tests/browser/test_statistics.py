"""The match statistics in the browser: an editor records them with one key each in the console on server A,
and a fan's page on server B shows the counts and bars move without a reload; the panel passes axe and is
photographed on a phone and a desktop, light and dark."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from harness.cluster import api_request
from tests.browser.conftest import (
    ARTIFACTS,
    DemoMatch,
    assert_not_reloaded,
    mark_no_reload,
    settle,
    wait_live,
)
from tests.browser.test_pages import AXE_OPTIONS, DESKTOP, PHONE

# The keys the console already gives a meaning of its own (besides each event kind's letter, read from the page).
CONSOLE_KEYS = {"t", "/", "?", "d", "u", "enter", "escape"}
STAT_KEYS = {"shot": "h", "shot_on_target": "n", "corner": "c", "foul": "f", "offside": "l"}


def open_console(editor: Page, match: DemoMatch) -> None:
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    # Keys act outside text fields: start from the statistics panel's team choice.
    editor.locator("#stats-team-home").focus()


def press(editor: Page, *keys: str) -> None:
    for key in keys:
        editor.keyboard.press(key)


def check_panel_accessibility(page: Page, selector: str, name: str) -> None:
    """axe on the panel itself (every page as a whole is checked by test_pages)."""
    settle(page)
    results = Axe().run(page, context=selector, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{name} ({page.url}):\n{results.generate_report()}"


def count(page: Page, statistic: str, side: str):
    return page.locator(f'#stat-{statistic} .stat__value[data-side="{side}"]')


def bar(page: Page, statistic: str, side: str):
    return page.locator(f'#stat-{statistic} .stat__bar[data-side="{side}"]')


def test_a_corner_keyed_in_the_console_moves_the_fans_bar_without_a_reload(web, editor, fan_server, api,
                                                                           liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    fan = web.page(fan_server, f"/matches/{match.id}/")
    wait_live(fan)
    expect(fan.locator("#stats")).to_be_hidden()  # nothing recorded yet
    mark_no_reload(fan)

    open_console(editor, match)
    with editor.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/events")) as answer:
        press(editor, "]", "c")  # away team, corner: two keys
    assert answer.value.status == 201, answer.value.text()
    corner = answer.value.json()["event"]
    assert (corner["kind"], corner["team"]["id"]) == ("corner", match.away["id"])

    expect(fan.locator("#stats")).to_be_visible()
    expect(count(fan, "corners", "away")).to_have_text("1")
    expect(count(fan, "corners", "home")).to_have_text("0")
    expect(bar(fan, "corners", "away")).to_have_attribute("width", "100")
    expect(bar(fan, "corners", "home")).to_have_attribute("width", "0")
    expect(count(fan, "corners", "away")).to_have_class("stat__value stat__value--away stat__value--leads")
    # The count is in the panel, not a row among the goals.
    expect(fan.locator(f"#event-{corner['id']}")).to_be_hidden()
    expect(editor.locator('[data-count-for="corner"]')).to_have_text("1")  # the away team's, as chosen

    press(editor, "c", "[", "c")  # another for the away team, then one for the home team
    expect(count(fan, "corners", "away")).to_have_text("2")
    expect(count(fan, "corners", "home")).to_have_text("1")
    expect(bar(fan, "corners", "home")).to_have_attribute("width", "50")
    expect(editor.locator('[data-count-for="corner"]')).to_have_text("1")  # now the home team's

    # Corrected like any event: removing the first corner lowers the count on the fan's page.
    status, _ = api_request(api.server, "DELETE", f"/api/events/{corner['id']}", None, api.token)
    assert status == 200
    expect(count(fan, "corners", "away")).to_have_text("1")
    expect(bar(fan, "corners", "home")).to_have_attribute("width", "100")
    assert_not_reloaded(fan)
    counted = api.snapshot(match.id)["match"]["statistics"]["corners"]
    assert counted == {"home": 1, "away": 1}


def test_each_statistic_has_its_own_key_and_no_key_the_console_already_uses(web, editor, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    open_console(editor, match)

    kind_letters = set(editor.eval_on_selector_all('input[name="kind"][data-shortcut]',
                                                   "radios => radios.map(r => r.dataset.shortcut).filter(Boolean)"))
    shown = {kind: editor.locator(f"#stat-add-{kind}").get_attribute("aria-keyshortcuts") for kind in STAT_KEYS}
    assert shown == STAT_KEYS
    assert editor.locator("#stats-team-home").get_attribute("aria-keyshortcuts") == "["
    taken = kind_letters | CONSOLE_KEYS
    assert not (set(STAT_KEYS.values()) | {"[", "]"}) & taken, "a statistics key collides with a console shortcut"

    for kind in STAT_KEYS:
        with editor.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/events")) as answer:
            press(editor, STAT_KEYS[kind])
        assert answer.value.status == 201, answer.value.text()
        assert answer.value.json()["event"]["kind"] == kind
    expect(editor.locator("#stats-entry-status")).to_contain_text("Offside recorded for Liverpool")

    # Typing in a text field records nothing.
    editor.locator("#field-commentary").fill("")
    editor.locator("#field-commentary").type("cfl")
    editor.wait_for_timeout(300)
    statistics = api.snapshot(match.id)["match"]["statistics"]
    assert {name: counts["home"] for name, counts in statistics.items()} == {
        "shots": 2, "shots_on_target": 1, "corners": 1, "fouls": 1, "offsides": 1}
    assert all(counts["away"] == 0 for counts in statistics.values())


def test_the_statistics_panel_passes_axe_and_is_photographed(web, fan_server, editor, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    home, away = match.home["id"], match.away["id"]
    for kind, team, times in [("shot", home, 4), ("shot_on_target", home, 3), ("shot_on_target", away, 2),
                              ("corner", home, 5), ("corner", away, 2), ("foul", home, 6), ("foul", away, 9),
                              ("offside", away, 3)]:
        for _ in range(times):
            api.event(match.id, kind=kind, minute=1, team=team)

    for scheme in ("light", "dark"):
        for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            fan = web.page(fan_server, f"/matches/{match.id}/", viewport=viewport, color_scheme=scheme)
            wait_live(fan)
            panel = fan.locator("#stats")
            expect(panel).to_be_visible()
            expect(count(fan, "shots", "home")).to_have_text("7")
            expect(count(fan, "shots_on_target", "away")).to_have_text("2")
            expect(fan.get_by_role("row", name="Fouls")).to_contain_text("6")
            check_panel_accessibility(fan, "#stats", f"statistics on the match page, {device}, {scheme}")
            settle(fan)
            panel.scroll_into_view_if_needed()
            ARTIFACTS.mkdir(exist_ok=True)
            panel.screenshot(path=str(ARTIFACTS / f"stats-{device}-{scheme}.png"), animations="disabled")
            if device == "phone":
                widths = fan.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                assert widths[0] <= widths[1], f"the match page scrolls sideways at 360 px: {widths}"

        editor.emulate_media(color_scheme=scheme)
        open_console(editor, match)
        expect(editor.locator('[data-count-for="foul"]')).to_have_text("6")
        check_panel_accessibility(editor, "#stats-entry", f"statistics in the console, {scheme}")
        settle(editor)
        editor.locator("#stats-entry").screenshot(path=str(ARTIFACTS / f"stats-console-{scheme}.png"),
                                                  animations="disabled")
    for name in ("stats-phone-light", "stats-phone-dark", "stats-desktop-light", "stats-desktop-dark"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5_000, name
