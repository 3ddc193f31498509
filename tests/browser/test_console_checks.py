"""The console checks what it can before clearing the form, keeps the form when the server refuses (in plain
words), offers "Undo" for 10 seconds after an event, and shows no keyboard badges on a touch screen."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.browser.conftest import EDITOR, Api, DemoMatch, log_in, wait_live


def open_console(page: Page, match: DemoMatch) -> list:
    """The console for `match`, and the list of event POSTs it sends from now on."""
    page.goto(f"/editor/matches/{match.id}/")
    wait_live(page)
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/events") else None)
    return posts


def pick(page: Page, label: str, text: str) -> None:
    """Type into a player combobox and take the highlighted player."""
    page.get_by_role("combobox", name=label).fill(text)
    page.keyboard.press("Tab")


def changes(api: Api, match: DemoMatch, since: int) -> list[dict]:
    return api.get(f"/api/matches/{match.id}/changes?since={since}")["changes"]


def test_the_minute_is_checked_before_anything_is_sent_or_cleared(editor, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    posts = open_console(editor, match)
    editor.keyboard.press("g")
    pick(editor, "Scorer", "Firmino")
    minute = editor.locator("#field-minute")
    for typed, added, words in (
        ("131", "", "The minute runs from 1 to 120"),
        ("0", "", "The minute runs from 1 to 120"),
        ("30", "2", "Added time counts from the end of a half: 45+2"),
        ("60", "", "Minute 60 is in the second half, which has not started"),
    ):
        minute.fill(typed)
        editor.locator("#field-added_minute").fill(added)
        editor.locator("#event-submit").click()
        error = editor.locator("#error-added_minute" if added else "#error-minute")
        expect(error).to_be_visible()
        expect(error).to_contain_text(words)
        # Nothing was cleared: the scorer is still chosen.
        expect(editor.get_by_role("combobox", name="Scorer")).to_have_value("9 Roberto Firmino (LIV)")
    editor.wait_for_timeout(300)
    assert posts == []
    minute.fill("23")
    editor.locator("#field-added_minute").fill("")
    editor.locator("#event-submit").click()
    expect(editor.locator('#timeline li[data-kind="goal"]')).to_contain_text("Roberto Firmino")
    expect(editor.get_by_role("combobox", name="Scorer")).to_have_value("")


def test_a_refusal_keeps_the_form_with_the_servers_reason_in_words(web, editor, api, liverpool_napoli):
    match = liverpool_napoli
    # The refusals this test provokes: Chromium logs each refused request.
    web.allow(r"status of (400|422) .*/api/matches/[0-9]+/events")
    match.kick_off(api)
    liverpool = match.home["id"]
    for off, on in (("Fabinho", "Lallana"), ("Henderson", "Oxlade"), ("Mané", "Shaqiri")):
        api.event(match.id, kind="substitution", minute=10, team=liverpool, player=match.player("home", off)["id"],
                  second_player=match.player("home", on, bench=True)["id"])
    open_console(editor, match)

    # A fourth substitution: only the server knows the competition's limit.
    editor.keyboard.press("s")
    pick(editor, "Player off", "Milner")
    pick(editor, "Player on", "Origi")
    editor.locator("#event-submit").click()
    expect(editor.locator("#form-error")).to_contain_text("have made 3 substitutions, the most this competition allows")
    expect(editor.locator("#error-kind")).to_be_visible()
    expect(editor.get_by_role("combobox", name="Player off")).to_have_value("7 James Milner (LIV)")
    expect(editor.get_by_role("combobox", name="Player on")).to_have_value("27 Divock Origi (LIV)")
    expect(editor.locator("#kind-substitution")).to_be_checked()
    expect(editor.locator("#pending-count")).to_have_text("0")
    assert len([e for e in api.snapshot(match.id)["events"] if e["kind"] == "substitution"]) == 3

    # A value the server's validator refuses (the request altered on its way, as a client bug would):
    # its reason in words, never the validator's own message; the form is kept.
    def altered(route):
        body = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**body, "minute": 131}))

    editor.route("**/api/matches/*/events", altered)
    editor.keyboard.press("g")
    pick(editor, "Scorer", "Firmino")
    editor.locator("#event-submit").click()
    expect(editor.locator("#form-error")).to_contain_text("The minute can be at most 130.")
    expect(editor.locator("#error-minute")).to_contain_text("The minute can be at most 130.")
    expect(editor.locator("#form-error")).not_to_contain_text("Input should")
    expect(editor.get_by_role("combobox", name="Scorer")).to_have_value("9 Roberto Firmino (LIV)")
    editor.unroute("**/api/matches/*/events")
    editor.locator("#event-submit").click()
    expect(editor.locator('#timeline li[data-kind="goal"]')).to_contain_text("Roberto Firmino")


def test_undo_takes_back_the_last_event_for_ten_seconds_through_the_ordinary_removal(web, editor_server, editor,
                                                                                     api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    open_console(editor, match)
    fan = web.page(editor_server, f"/matches/{match.id}/")
    wait_live(fan)

    editor.keyboard.press("g")
    editor.keyboard.type("9")
    editor.keyboard.press("Enter")
    bar = editor.locator("#undo-bar")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Recorded: Goal · Roberto Firmino")
    expect(fan.locator("#score-home")).to_have_text("1")
    seq_before_undo = api.snapshot(match.id)["seq"]
    editor.keyboard.press("u")
    expect(bar).to_be_hidden()
    expect(editor.locator('#timeline li[data-kind="goal"]')).to_have_attribute("data-state", "removed")
    expect(editor.locator("#score-home")).to_have_text("0")
    # Pushed like any change: the fan's page follows.
    expect(fan.locator("#score-home")).to_have_text("0")
    [goal] = [e for e in api.snapshot(match.id)["events"] if e["kind"] == "goal"]
    assert goal["state"] == "removed"
    [undone] = changes(api, match, seq_before_undo)
    assert (undone["op"], undone["event"]["id"]) == ("remove", goal["id"])
    assert "Undone" in undone["reason"]

    # The offer lasts 10 seconds.
    editor.keyboard.press("y")
    editor.keyboard.type("4")
    editor.keyboard.press("Enter")
    expect(bar).to_be_visible()
    editor.wait_for_timeout(10_500)
    expect(bar).to_be_hidden()
    editor.keyboard.press("u")
    editor.wait_for_timeout(500)
    [card] = [e for e in api.snapshot(match.id)["events"] if e["kind"] == "yellow_card"]
    assert card["state"] == "active"


def test_keyboard_badges_are_hidden_on_a_touch_screen(web, editor_server, liverpool_napoli):
    desktop = web.page(editor_server)
    log_in(desktop, *EDITOR, next_path=f"/editor/matches/{liverpool_napoli.id}/")
    expect(desktop.locator(".kind-option__key").first).to_be_visible()
    expect(desktop.locator("#event-submit kbd")).to_be_visible()
    phone = web.page(editor_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, *EDITOR, next_path=f"/editor/matches/{liverpool_napoli.id}/")
    expect(phone.locator(".kind-option__key").first).to_be_hidden()
    expect(phone.locator("#event-submit kbd")).to_be_hidden()
    assert phone.locator("kbd:visible").count() == 0
