"""The corrections page (the console's player picker, labelled reasons, removed events restored, live) and the
editor's pages under axe at phone and desktop size, light and dark, with screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from harness.cluster import api_request
from tests.browser.conftest import (
    ARTIFACTS,
    Api,
    DemoMatch,
    assert_not_reloaded,
    mark_no_reload,
    screenshot,
    settle,
    wait_live,
)
from tests.browser.test_pages import DESKTOP, PHONE, check_accessibility

# Beside test_pages.py's screenshots, in a folder of their own (that module clears the top level).
SHOTS = "editor"


def remove(api: Api, event_id: int) -> None:
    status, body = api_request(api.server, "DELETE", f"/api/events/{event_id}?reason=Wrong%20match", None, api.token)
    assert status == 200, body


def goal(api: Api, match: DemoMatch, side: str, name: str, minute: int) -> dict:
    team = match.home if side == "home" else match.away
    return api.event(match.id, kind="goal", minute=minute, team=team["id"], player=match.player(side, name)["id"])


def test_the_corrections_page_restores_a_removed_event_and_follows_the_match_live(admin, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    mertens_goal = goal(api, match, "away", "Mertens", 21)
    remove(api, mertens_goal["id"])
    admin.goto(f"/editor/matches/{match.id}/corrections/")
    wait_live(admin)
    mark_no_reload(admin)
    removed_row = admin.locator(f"#removed-{mertens_goal['id']}")
    expect(removed_row).to_contain_text("Dries Mertens")

    # Live: a goal recorded elsewhere gets its row, and the score follows.
    lovren_goal = goal(api, match, "home", "Lovren", 40)
    row = admin.locator(f"#correction-{lovren_goal['id']}")
    expect(row).to_contain_text("Dejan Lovren")
    expect(admin.locator("#score-home")).to_have_text("1")
    # The correction form's player field is the console's picker: every player of both lineups, on the pitch first.
    row.locator("summary").click()
    player = row.get_by_role("combobox", name="Player:", exact=True)
    player.fill("1")
    options = admin.locator(f"#{player.get_attribute('aria-controls')} [role=option]")
    texts = options.all_inner_texts()
    assert texts[0].startswith("1") and "bench" not in texts[0], texts
    on_bench = [i for i, text in enumerate(texts) if "bench" in text]
    on_pitch = [i for i, text in enumerate(texts) if "bench" not in text]
    assert on_bench and max(on_pitch) < min(on_bench), texts
    admin.keyboard.press("Escape")
    row.locator("summary").click()

    # Live: removed elsewhere, the row moves to the removed events.
    remove(api, lovren_goal["id"])
    expect(admin.locator(f"#removed-{lovren_goal['id']}")).to_be_visible()
    expect(row).to_have_count(0)
    expect(admin.locator("#score-home")).to_have_text("0")
    assert_not_reloaded(admin)

    # Restored with a reason, through the form's labelled reason field.
    removed_row.locator("summary").click()
    reason = removed_row.get_by_label("Reason")
    removed_row.get_by_role("button", name="Restore event").click()
    # Not without a reason: the browser holds the form back (and the server would refuse it too).
    assert reason.evaluate("field => field.required && !field.validity.valid")
    assert next(e for e in api.snapshot(match.id)["events"] if e["id"] == mertens_goal["id"])["state"] == "removed"
    reason.fill("Counted after all: the official report")
    removed_row.get_by_role("button", name="Restore event").click()
    expect(admin.locator(f"#correction-{mertens_goal['id']}")).to_contain_text("Dries Mertens")
    expect(admin.locator(f"#removed-{mertens_goal['id']}")).to_have_count(0)
    expect(admin.locator("#score-away")).to_have_text("1")
    expect(admin.locator("#history")).to_contain_text("Counted after all: the official report")
    restored = next(e for e in api.snapshot(match.id)["events"] if e["id"] == mertens_goal["id"])
    assert restored["state"] == "active"


def open_scene(api: Api, match: DemoMatch) -> None:
    match.kick_off(api)
    scored = goal(api, match, "away", "Mertens", 21)
    api.event(match.id, kind="yellow_card", minute=30, team=match.home["id"],
              player=match.player("home", "van Dijk")["id"])
    api.event(match.id, kind="var_check", minute=31, team=match.away["id"], var_category="goal",
              reviewed_event=scored["id"], var_reason="possible offside in the build-up")
    remove(api, goal(api, match, "home", "Salah", 33)["id"])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_console_and_the_corrections_page_pass_axe_on_phone_and_desktop(admin, api, liverpool_napoli, scheme):
    match = liverpool_napoli
    open_scene(api, match)
    (ARTIFACTS / SHOTS).mkdir(parents=True, exist_ok=True)
    admin.emulate_media(color_scheme=scheme)
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        admin.set_viewport_size(size)
        admin.goto(f"/editor/matches/{match.id}/")
        wait_live(admin)
        check_accessibility(admin, f"console, {size_name}, {scheme}")
        widths = admin.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the console scrolls sideways: {widths}"
        screenshot(admin, f"{SHOTS}/console-{size_name}-{scheme}")
        # The picker open on a number, and the VAR decision dialog opened with "d".
        admin.keyboard.press("y")
        admin.keyboard.type("1")
        expect(admin.get_by_role("listbox")).to_be_visible()
        check_accessibility(admin, f"console with the player list open, {size_name}, {scheme}")
        screenshot(admin, f"{SHOTS}/console-picker-{size_name}-{scheme}", full_page=False)
        admin.keyboard.press("Escape")
        admin.locator("#kind-yellow_card").focus()
        admin.keyboard.press("d")
        expect(admin.locator("#var-dialog")).to_be_visible()
        check_accessibility(admin, f"console with the VAR dialog, {size_name}, {scheme}")
        screenshot(admin, f"{SHOTS}/console-var-{size_name}-{scheme}", full_page=False)
        admin.keyboard.press("Escape")

        admin.goto(f"/editor/matches/{match.id}/corrections/")
        wait_live(admin)
        admin.locator("#corrections-list details summary").first.click()
        admin.locator("#removed-list details summary").first.click()
        settle(admin)
        check_accessibility(admin, f"corrections, {size_name}, {scheme}")
        widths = admin.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the corrections page scrolls sideways: {widths}"
        screenshot(admin, f"{SHOTS}/corrections-{size_name}-{scheme}")
    for name in (f"console-desktop-{scheme}", f"console-phone-{scheme}", f"corrections-desktop-{scheme}",
                 f"corrections-phone-{scheme}"):
        assert (ARTIFACTS / SHOTS / f"{name}.png").stat().st_size > 10_000, name


def test_the_var_selects_are_not_cut_off(editor, api, liverpool_napoli):
    match = liverpool_napoli
    open_scene(api, match)
    editor.set_viewport_size(DESKTOP)
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    editor.keyboard.press("v")
    for select in ("#field-var_category", "#field-reviewed_event"):
        fits = editor.evaluate(
            """(selector) => {
                const select = document.querySelector(selector);
                const probe = document.createElement("span");
                probe.style.font = getComputedStyle(select).font;
                probe.style.whiteSpace = "pre";
                probe.textContent = select.options[select.selectedIndex].text;
                document.body.appendChild(probe);
                const needed = probe.getBoundingClientRect().width;
                probe.remove();
                // The text, its padding and the arrow must fit in the box.
                return needed + 48 <= select.getBoundingClientRect().width;
            }""",
            select,
        )
        assert fits, f"{select} cuts its choice off"

