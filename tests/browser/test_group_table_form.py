"""The group table's form column: each team's last five results in the group, oldest first, each with words a
screen reader says ("Won 2-1 v Genk"), and updated live when a match of the group finishes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, DemoMatch, wait_live

LIVE_WITHIN_MS = 1_000


def form(page: Page, team: dict, container: str = "#table-container"):
    return page.locator(f'{container} tr[data-team-id="{team["id"]}"] .form-guide li')


def goal(api: Api, match: DemoMatch, side: str, scorer: str, minute: int) -> None:
    team = match.home if side == "home" else match.away
    api.event(match.id, kind="goal", minute=minute, team=team["id"], player=match.player(side, scorer)["id"])


def test_form_shows_the_last_five_results_oldest_first_and_follows_a_final_whistle(web, fan_server, api, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    liverpool, genk = salzburg_liverpool.away, napoli_genk.away
    page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/")
    wait_live(page)
    results = form(page, liverpool)
    expect(results.locator(".visually-hidden")).to_have_text(
        ["Lost 0-2 v Napoli", "Won 4-3 v Salzburg", "Won 4-1 v Genk", "Won 2-1 v Genk", "Drew 1-1 v Napoli"])
    expect(results.locator("[aria-hidden='true']")).to_have_text(["L", "W", "W", "W", "D"])
    expect(results.first).to_have_attribute("title", "Lost 0-2 v Napoli")
    expect(page.locator("#table-container thead .col-form")).to_contain_text("last five results, oldest first")
    expect(page.locator("#table-container tfoot")).to_contain_text("Form: last five results, oldest first.")
    expect(form(page, genk).first).to_have_attribute("data-result", "L")

    # A match in progress is not form yet; at the final whistle it is, and the oldest result drops out.
    salzburg_liverpool.kick_off(api)
    goal(api, salzburg_liverpool, "away", "Keïta", 40)
    goal(api, salzburg_liverpool, "away", "Salah", 41)
    expect(page.locator(f'#table-container tr[data-team-id="{liverpool["id"]}"] .col-pts')).to_have_text(
        "13", timeout=LIVE_WITHIN_MS)
    expect(results.last.locator(".visually-hidden")).to_have_text("Drew 1-1 v Napoli")
    for kind, minute in (("period_end", 45), ("period_start", 45), ("period_end", 90)):
        api.event(salzburg_liverpool.id, kind=kind, minute=minute)
    expect(results.last.locator(".visually-hidden")).to_have_text("Won 2-0 v Salzburg", timeout=LIVE_WITHIN_MS)
    expect(results.first.locator(".visually-hidden")).to_have_text("Won 4-3 v Salzburg")
    expect(results).to_have_count(5)
