"""The editor console: players picked by name or number, the team following them, the lists following the pitch,
and a submission made offline kept, shown pending and sent once, later."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, DemoMatch, wait_live


def focused(page: Page) -> str:
    """What has the keyboard focus: '#id' or the tag name."""
    return page.evaluate("(() => { const e = document.activeElement; return e.id ? '#' + e.id : e.tagName; })()")


def recorded(page: Page, api: Api, match: DemoMatch, kind: str) -> list[dict]:
    expect(page.locator("#pending-count")).to_have_text("0")
    return [e for e in api.snapshot(match.id)["events"] if e["kind"] == kind]


def test_a_player_is_found_by_part_of_his_name_in_a_combobox_and_the_team_follows_him(editor, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    scorer = editor.get_by_role("combobox", name="Scorer")
    expect(editor.locator("#team-home")).to_be_checked()

    editor.keyboard.press("g")
    expect(scorer).to_be_focused()
    editor.keyboard.type("mert")
    expect(scorer).to_have_attribute("aria-expanded", "true")
    listbox = editor.get_by_role("listbox")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text(re.compile(r"14\s+Dries Mertens\s+NAP"))
    expect(options.first).to_have_attribute("aria-selected", "true")
    assert scorer.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    # Part of the surname, whatever the accents: "lozan" finds Lozano, "mario" finds Mário Rui.
    editor.keyboard.press("Control+a")
    editor.keyboard.type("mario")
    expect(options.first).to_contain_text("Mário Rui")
    editor.keyboard.press("Control+a")
    editor.keyboard.type("mert")
    editor.keyboard.press("Enter")

    mertens = match.player("away", "Mertens")
    expect(editor.locator('#timeline li[data-kind="goal"]')).to_contain_text("Dries Mertens")
    expect(editor.locator("#score-away")).to_have_text("1")
    [goal] = recorded(editor, api, match, "goal")
    assert (goal["player"]["id"], goal["team"]["id"]) == (mertens["id"], match.away["id"])
    # The team followed the player, and is remembered for this match across a reload.
    expect(editor.locator("#team-away")).to_be_checked()
    editor.reload()
    wait_live(editor)
    expect(editor.locator("#team-away")).to_be_checked()
    # ... so on a shared number Napoli's player now comes first: 14 is Mertens before Henderson.
    editor.keyboard.press("y")
    editor.keyboard.type("14")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("Dries Mertens")
    expect(options.nth(1)).to_contain_text("Jordan Henderson")
    # Down, then Enter: the second, Henderson, and the team follows him back to Liverpool.
    editor.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    editor.keyboard.press("Enter")
    expect(editor.locator('#timeline li[data-kind="yellow_card"]')).to_contain_text("Jordan Henderson")
    [card] = recorded(editor, api, match, "yellow_card")
    assert card["team"]["id"] == match.home["id"]


def test_the_console_follows_the_pitch_in_its_player_lists(editor, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    fabinho, lallana = match.player("home", "Fabinho"), match.player("home", "Lallana", bench=True)
    api.event(match.id, kind="substitution", minute=20, team=match.home["id"], player=fabinho["id"],
              second_player=lallana["id"])
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    editor.keyboard.press("s")
    editor.keyboard.type("Fabinho")
    expect(editor.locator("#field-player-listbox")).to_contain_text("No player matches")
    editor.keyboard.press("Control+a")
    editor.keyboard.type("Lallana")
    expect(editor.locator("#field-player-listbox [role=option]")).to_have_count(1)


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
    editor.keyboard.press("g")
    editor.get_by_role("combobox", name="Scorer").fill("Mertens")
    editor.keyboard.press("Tab")
    editor.locator("#field-commentary").fill("Sent from the tunnel")
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
