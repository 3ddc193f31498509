"""The console's key budgets, counted: a goal with assist and type in 6 keys, a card in 4, a substitution in 5,
a VAR decision in 4, without the mouse; and each event arrives as intended."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page, expect

from tests.browser.conftest import EDITOR, Api, DemoMatch, log_in, wait_live

# Every key the page receives and every pointer press, counted in the page itself.
COUNT_INPUT = """(() => {
  window.__keys = [];
  window.__pointer = 0;
  document.addEventListener("keydown", (event) => window.__keys.push(event.key), true);
  document.addEventListener("pointerdown", () => { window.__pointer += 1; }, true);
})();"""


@dataclass
class Keys:
    """Presses keys one at a time, as an editor does, and counts them."""

    page: Page
    count: int = 0

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.count += 1

    def type(self, text: str) -> None:
        self.press(*text)

    def measure(self) -> int:
        """Keys since the last measure, as the page counted them (the test's count must agree)."""
        seen = self.page.evaluate("window.__keys.splice(0).length")
        assert seen == self.count, (seen, self.count)
        self.count = 0
        return seen


def events_of(api: Api, match: DemoMatch, kind: str) -> list[dict]:
    return [e for e in api.snapshot(match.id)["events"] if e["kind"] == kind]


def recorded_in_console(page: Page, kind: str, count: int) -> None:
    expect(page.locator(f'#timeline li[data-kind="{kind}"]')).to_have_count(count)
    expect(page.locator("#pending-count")).to_have_text("0")
    expect(page.locator("#event-form")).to_have_attribute("aria-busy", "false")


def test_every_event_within_its_key_budget_from_the_keyboard_alone(web, editor_server, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    context = web.context(editor_server)
    context.add_init_script(COUNT_INPUT)
    page = context.new_page()
    log_in(page, *EDITOR, next_path=f"/editor/matches/{match.id}/")
    wait_live(page)
    page.evaluate("window.__keys.length = 0")
    keys = Keys(page)
    liverpool, napoli = match.home["id"], match.away["id"]

    # A goal with assist and type: g, Firmino's 9 (no one else on the pitch wears a number starting
    # with 9, so he is taken and the assist is next), Salah's 11, "h" for a header, Enter.
    firmino, salah = match.player("home", "Firmino"), match.player("home", "Salah")
    keys.press("g")
    keys.type("9")
    keys.type("11")
    keys.press("h", "Enter")
    recorded_in_console(page, "goal", 1)
    assert keys.measure() <= 6
    [goal] = events_of(api, match, "goal")
    assert (goal["player"]["id"], goal["second_player"]["id"], goal["goal_type"], goal["team"]["id"]) == (
        firmino["id"], salah["id"], "header", liverpool)

    # A card: y, 14 (Henderson and Mertens both wear it: the last team used, Liverpool, comes first), Enter.
    henderson = match.player("home", "Henderson")
    keys.press("y")
    keys.type("14")
    keys.press("Enter")
    recorded_in_console(page, "yellow_card", 1)
    assert keys.measure() <= 4
    # A card for the other team: Allan's 5 is his alone, so the team follows him: y, 5, Enter.
    allan = match.player("away", "Allan")
    keys.press("y")
    keys.type("5")
    keys.press("Enter")
    recorded_in_console(page, "yellow_card", 2)
    assert keys.measure() <= 4
    cards = events_of(api, match, "yellow_card")
    assert [(c["player"]["id"], c["team"]["id"]) for c in cards] == [(henderson["id"], liverpool),
                                                                     (allan["id"], napoli)]

    # A substitution: s, Fabinho's 3, Lallana's 20 (among Liverpool's substitutes), Enter.
    fabinho, lallana = match.player("home", "Fabinho"), match.player("home", "Lallana", bench=True)
    keys.press("s")
    keys.type("3")
    keys.type("20")
    keys.press("Enter")
    recorded_in_console(page, "substitution", 1)
    assert keys.measure() <= 5
    [sub] = events_of(api, match, "substitution")
    assert (sub["player"]["id"], sub["second_player"]["id"], sub["team"]["id"]) == (
        fabinho["id"], lallana["id"], liverpool)

    # A VAR check of the latest goal (preselected): v, Enter. Then its decision: d opens the dialog,
    # Down moves from "Goal stands" to "Goal disallowed: offside", Enter records it.
    keys.press("v")
    expect(page.locator("#field-reviewed_event")).to_have_value(str(goal["id"]))
    keys.press("Enter")
    recorded_in_console(page, "var_check", 1)
    keys.measure()
    keys.press("d")
    expect(page.locator("#var-dialog")).to_be_visible()
    expect(page.locator("#var-choice-list label").first).to_have_text("Goal stands")
    keys.press("ArrowDown")
    expect(page.get_by_label("Goal disallowed: offside")).to_be_checked()
    keys.press("Enter")
    expect(page.locator("#var-dialog")).to_be_hidden()
    assert keys.measure() <= 4
    expect(page.locator("#score-home")).to_have_text("0")
    [check] = events_of(api, match, "var_check")
    assert (check["reviewed_event"], check["var_outcome"], check["decision_reason"]) == (
        goal["id"], "overturned", "offside")
    assert events_of(api, match, "goal")[0]["state"] == "disallowed"

    assert page.evaluate("window.__pointer") == 0, "the mouse was used"
