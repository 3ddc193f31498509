"""The editor console in the editor's language: the switcher (or the language cookie) turns the console's labels,
the lines its scripts write and its VAR dialog into German, team and player names as they are; recording still
works; and axe finds nothing on the console in German."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import Api, DemoMatch, screenshot, settle, wait_live
from tests.browser.test_languages import switch_language
from tests.browser.test_pages import AXE_OPTIONS


def test_an_editor_who_switches_to_german_records_a_goal_in_a_german_console(editor, api, liverpool_napoli):
    match = liverpool_napoli
    match.kick_off(api)
    editor.goto(f"/editor/matches/{match.id}/")
    wait_live(editor)
    expect(editor.locator("#form-mode-label")).to_have_text("New event")

    switch_language(editor, "de")
    expect(editor.locator("html")).to_have_attribute("lang", "de")
    assert editor.url.endswith(f"/editor/matches/{match.id}/")
    wait_live(editor)
    # The server's labels...
    expect(editor.locator("#form-mode-label")).to_have_text("Neues Ereignis")
    expect(editor.locator("#event-submit")).to_have_text(re.compile(r"^Ereignis erfassen\s+Enter$"))
    expect(editor.locator("#timeline-heading")).to_have_text("Spielverlauf")
    expect(editor.locator("#shortcuts-toggle")).to_contain_text("Tastenkürzel")
    expect(editor.locator("label[for='kind-goal'] .kind-option__label")).to_have_text("Tor")
    # ... and the scripts': the label of the kind chosen, the minute's source, the picker's placeholder.
    editor.keyboard.press("g")
    scorer = editor.get_by_role("combobox", name="Torschütze")
    expect(scorer).to_be_focused()
    expect(editor.locator("#label-second_player")).to_have_text("Vorlage (optional)")
    expect(editor.locator("#minute-source-text")).to_have_text("Von der Live-Uhr")
    expect(editor.locator("#field-second_player-search")).to_have_attribute("placeholder", "Keiner")

    # A goal with no scorer is refused in German, before anything is sent.
    editor.keyboard.press("Enter")
    expect(editor.locator("#error-player")).to_have_text(
        "Wähle den Spieler: Tippe einen Teil des Namens oder die Nummer.")

    scorer.fill("mert")
    expect(editor.get_by_role("option").first).to_contain_text("Dries Mertens")  # names are never translated
    editor.keyboard.press("Enter")
    expect(editor.locator('#timeline li[data-kind="goal"]')).to_contain_text("Dries Mertens")
    expect(editor.locator("#score-away")).to_have_text("1")
    # The lines the console writes itself once the server has the goal.
    expect(editor.locator("#pending-status")).to_have_text(re.compile(r"^Erfasst: Tor · Dries Mertens · \d+'$"))
    expect(editor.locator("#undo-text")).to_have_text(re.compile(r"^Erfasst: Tor · Dries Mertens · \d+'\.$"))
    expect(editor.locator("#undo-time")).to_have_text(re.compile(r"^\d+ s$"))
    expect(editor.locator('#timeline li[data-kind="goal"] button[data-action="edit"]')).to_have_text("Bearbeiten")
    expect(editor.locator('#timeline li[data-kind="goal"] button[data-action="delete"]')).to_have_text("Löschen")
    [goal] = [e for e in api.snapshot(match.id)["events"] if e["kind"] == "goal"]
    assert goal["player"]["id"] == match.player("away", "Mertens")["id"]

    # Editing it: the form's own words change with the mode.
    editor.locator('#timeline li[data-kind="goal"] button[data-action="edit"]').click()
    expect(editor.locator("#form-mode-label")).to_have_text("Ereignis bearbeiten")
    expect(editor.locator("#edit-banner-text")).to_have_text(re.compile(r"^\d+' Tor — Dries Mertens \(Napoli\)$"))
    expect(editor.locator("#event-submit")).to_have_text(re.compile(r"^Änderungen speichern\s+Enter$"))
    expect(editor.locator("#minute-source-text")).to_have_text("Wie erfasst")
    screenshot(editor, "console-de")


def var_scene(api: Api, match: DemoMatch) -> None:
    """Under way, with a goal under a VAR check."""
    match.kick_off(api)
    goal = api.event(match.id, kind="goal", minute=21, team=match.away["id"],
                     player=match.player("away", "Mertens")["id"])
    api.event(match.id, kind="var_check", minute=22, team=match.away["id"], var_category="goal",
              reviewed_event=goal["id"], var_reason="possible offside")


def test_the_console_in_german_passes_axe_with_and_without_its_var_dialog(editor, editor_server, api,
                                                                          liverpool_napoli):
    var_scene(api, liverpool_napoli)
    editor.context.add_cookies([{"name": "django_language", "value": "de", "url": editor_server.base_url}])
    editor.goto(f"/editor/matches/{liverpool_napoli.id}/")
    expect(editor.locator("html")).to_have_attribute("lang", "de")
    wait_live(editor)
    decide = editor.locator("#timeline button[data-action='var']")
    expect(decide).to_have_text("Entscheiden…")
    settle(editor)
    results = Axe().run(editor, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"console in German:\n{results.generate_report()}"

    decide.click()
    dialog = editor.locator("#var-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("VAR-Entscheidung")
    expect(editor.locator("#var-choice-list label").first).to_have_text("Tor zählt")
    expect(dialog.get_by_label("Tor aberkannt: Abseits")).to_be_visible()
    expect(editor.locator("#var-dialog-check")).to_contain_text("Dries Mertens")
    results = Axe().run(editor, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"console in German, VAR dialog:\n{results.generate_report()}"
    screenshot(editor, "console-var-dialog-de", full_page=False)

    # The decision recorded from the German dialog; the status line says it in German.
    dialog.get_by_label("Tor aberkannt: Abseits").check()
    editor.locator("#var-submit").click()
    expect(dialog).to_be_hidden()
    expect(editor.locator("#pending-status")).to_have_text("VAR: Tor aberkannt: Abseits.")
