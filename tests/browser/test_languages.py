"""The language switcher on a phone: the match page in German, its live score, the choice kept on the next page.
Every page in every language, through axe: test_every_language.py."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, wait_live
from tests.browser.test_pages import PHONE


def switch_language(page, code: str) -> None:
    page.get_by_label("Language").select_option(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Change language").click()


def test_a_fan_switches_to_german_and_the_page_and_the_next_one_stay_german(web, fan_server, api, liverpool_napoli):
    page = web.page(fan_server, f"/matches/{liverpool_napoli.id}/", viewport=PHONE)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    wait_live(page)
    switch_language(page, "de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#lineups-heading")).to_have_text("Aufstellungen")
    expect(page.locator("#match-period")).to_have_text("Nicht begonnen")
    expect(page.locator(".language-switcher button")).to_have_text("Sprache wechseln")
    wait_live(page)
    expect(page.locator("#live-status-text")).to_have_text("Live-Updates an")

    liverpool_napoli.kick_off(api)
    expect(page.locator("#match-period")).to_have_text("Erste Halbzeit")
    salah = liverpool_napoli.player("home", "Salah")
    api.event(liverpool_napoli.id, kind="goal", minute=12, team=liverpool_napoli.home["id"], player=salah["id"])
    expect(page.locator("#score-home")).to_have_text("1")
    expect(page.locator("#moment-title")).to_have_text("TOR!")
    screenshot(page, "languages-match-phone-de")

    page.goto(f"/groups/{liverpool_napoli.group_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.goto(f"/matches/{liverpool_napoli.id}/")
    expect(page.locator("#timeline-heading")).to_have_text("Live-Ereignisse")


def test_a_goal_pushed_to_a_german_page_reads_in_german(web, fan_server, api, liverpool_napoli):
    context = web.context(fan_server, viewport=PHONE)
    context.add_cookies([{"name": "django_language", "value": "de", "url": fan_server.base_url}])
    page = context.new_page()
    page.goto(f"/matches/{liverpool_napoli.id}/")
    wait_live(page)
    liverpool_napoli.kick_off(api)
    salah = liverpool_napoli.player("home", "Salah")
    api.event(liverpool_napoli.id, kind="goal", minute=12, team=liverpool_napoli.home["id"], player=salah["id"])
    expect(page.locator("#timeline .event[data-kind=\"goal\"] strong").first).to_have_text("Tor")
    expect(page.locator("#match-period")).to_have_text("Erste Halbzeit")

