"""The editor console: usable from the keyboard alone, and a submission made offline is sent once, later."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, DemoMatch, wait_live


def focused(page: Page) -> str:
    """What has the keyboard focus: '#id' or the tag name."""
    return page.evaluate("(() => { const e = document.activeElement; return e.id ? '#' + e.id : e.tagName; })()")


def choose_by_keyboard(page: Page, select: str, player: dict) -> None:
    """Focus is on `select`: type the shirt number, as an editor does, and check the choice."""
    assert focused(page) == select, f"focus is on {focused(page)}, not {select}"
    page.keyboard.type(str(player["number"]), delay=30)
    expect(page.locator(select)).to_have_value(str(player["id"]))


def recorded(page: Page, api: Api, match: DemoMatch, kind: str) -> list[dict]:
    expect(page.locator("#pending-count")).to_have_text("0")
    return [e for e in api.snapshot(match.id)["events"] if e["kind"] == kind]


def test_goal_card_and_substitution_from_the_keyboard_alone(editor, api, liverpool_napoli):
    match = liverpool_napoli
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    timeline = editor.locator("#timeline")

    # Kick-off: "k" picks it and moves to the button, Enter records it.
    editor.keyboard.press("k")
    assert focused(editor) == "#event-submit"
    editor.keyboard.press("Enter")
    expect(timeline.locator('li[data-kind="period_start"]')).to_have_count(1)
    expect(editor.locator("#scoreboard")).to_have_attribute("data-status", "live")

    # A goal for Napoli: "g", "t" to switch to the away side, Tab to the scorer, his number, Enter.
    mertens = match.player("away", "Mertens")
    editor.keyboard.press("g")
    assert focused(editor) == "#team-home"
    editor.keyboard.press("t")
    assert focused(editor) == "#team-away"
    editor.keyboard.press("Tab")
    choose_by_keyboard(editor, "#field-player", mertens)
    editor.keyboard.press("Enter")
    expect(timeline.locator('li[data-kind="goal"]')).to_contain_text("Dries Mertens")
    expect(editor.locator("#score-away")).to_have_text("1")
    goals = recorded(editor, api, match, "goal")
    assert [(g["player"]["id"], g["team"]["id"]) for g in goals] == [(mertens["id"], match.away["id"])]

    # A yellow card for Liverpool's Van Dijk: "y", back to the home side, Tab, number, Enter.
    van_dijk = match.player("home", "van Dijk")
    editor.keyboard.press("y")
    assert focused(editor) == "#team-away"  # the team is kept from the last event
    editor.keyboard.press("t")
    editor.keyboard.press("Tab")
    choose_by_keyboard(editor, "#field-player", van_dijk)
    editor.keyboard.press("Enter")
    expect(timeline.locator('li[data-kind="yellow_card"]')).to_contain_text("Virgil van Dijk")
    cards = recorded(editor, api, match, "yellow_card")
    assert [c["player"]["id"] for c in cards] == [van_dijk["id"]]

    # A substitution: "s", Tab to the player going off, Tab to the one coming on, Enter.
    fabinho, lallana = match.player("home", "Fabinho"), match.player("home", "Lallana", bench=True)
    editor.keyboard.press("s")
    assert focused(editor) == "#team-home"
    editor.keyboard.press("Tab")
    choose_by_keyboard(editor, "#field-player", fabinho)
    editor.keyboard.press("Tab")
    choose_by_keyboard(editor, "#field-second_player", lallana)
    editor.keyboard.press("Enter")
    expect(timeline.locator('li[data-kind="substitution"]')).to_contain_text("Adam Lallana on")
    subs = recorded(editor, api, match, "substitution")
    assert [(s["player"]["id"], s["second_player"]["id"]) for s in subs] == [(fabinho["id"], lallana["id"])]
    # The console follows the pitch: for the next substitution Fabinho is off, Lallana on.
    editor.keyboard.press("s")
    expect(editor.locator(f'#field-player option[value="{fabinho["id"]}"]')).to_have_count(0)
    expect(editor.locator(f'#field-player option[value="{lallana["id"]}"]')).to_have_count(1)


def test_a_submission_made_offline_is_queued_shown_pending_and_sent_once_back_online(web, editor, api,
                                                                                     liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    posts = []
    editor.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/events") else None)
    # The page's own attempts while offline fail in the network layer; Chromium logs each one.
    web.allow(r"net::ERR_INTERNET_DISCONNECTED")

    editor.context.set_offline(True)
    mertens = match.player("away", "Mertens")
    editor.keyboard.press("g")
    editor.keyboard.press("t")
    editor.keyboard.press("/")
    editor.keyboard.type("Sent from the tunnel")
    editor.locator("#field-player").select_option(str(mertens["id"]))
    editor.locator("#event-submit").click()

    pending = editor.locator("#pending-list > li")
    expect(editor.locator("#pending-count")).to_have_text("1")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Dries Mertens")
    expect(pending).to_contain_text(re.compile("pending", re.I))
    expect(pending).to_contain_text("Offline")  # it was tried, and failed for want of a network
    assert not [e for e in api.snapshot(match.id)["events"] if e["kind"] == "goal"]
    # Still queued after a while offline; it survives in the page's storage, not just in memory.
    editor.wait_for_timeout(1_000)
    expect(pending).to_have_count(1)
    assert "Sent from the tunnel" in editor.evaluate("localStorage.getItem('matchcentre.console.queue.v1')")

    editor.context.set_offline(False)
    expect(editor.locator("#pending-count")).to_have_text("0")
    expect(editor.locator("#pending-status")).to_contain_text("Recorded")
    expect(editor.locator('#timeline li[data-kind="goal"]')).to_have_count(1)
    expect(editor.locator("#score-away")).to_have_text("1")
    editor.wait_for_timeout(1_500)  # room for a duplicate to show up, if there were one
    goals = [e for e in api.snapshot(match.id)["events"] if e["kind"] == "goal"]
    assert len(goals) == 1, goals
    assert goals[0]["commentary"] == "Sent from the tunnel"
    expect(editor.locator('#timeline li[data-kind="goal"]')).to_have_count(1)
    # Every attempt carried the same idempotency key: a repeat could never record it twice.
    keys = {r.post_data_json["idempotency_key"] for r in posts}
    assert len(keys) == 1, keys
