"""The predictor on the group page: typing hypothetical scores changes the table (and scenarios) shown."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import DemoMatch, assert_not_reloaded, mark_no_reload, wait_live, wait_until_true


def type_score(page: Page, match: DemoMatch, home: int, away: int) -> None:
    for side, goals in (("home", home), ("away", away)):
        field = page.locator(f"#predict-{match.id}-{side}")
        field.fill("")
        field.press_sequentially(str(goals), delay=20)


def order(page: Page, container: str) -> list[str]:
    return page.locator(f"{container} tbody tr").evaluate_all("rows => rows.map(r => r.dataset.teamId)")


def scenario(page: Page, team: dict, line: str):
    return page.locator(f'#scenarios [data-team-id="{team["id"]}"] [data-line="{line}"]')


def test_typing_hypothetical_scores_changes_the_table_and_scenarios_shown(web, fan_server, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    napoli, genk = napoli_genk.home, napoli_genk.away
    salzburg, liverpool = salzburg_liverpool.home, salzburg_liverpool.away
    page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/")
    wait_live(page)
    mark_no_reload(page)
    predicted = page.locator("#predictor-table")
    first = predicted.locator("tbody tr").first
    basis = page.locator("#scenarios-basis")
    expect(first).to_have_attribute("data-team-id", str(liverpool["id"]))
    expect(predicted.locator("caption")).not_to_contain_text("with your scores")
    # As it stands, with matchday 6 to play: everything is open for the top three.
    expect(scenario(page, liverpool, "group-winner")).to_have_attribute("data-status", "depends")
    expect(scenario(page, genk, "round-of-16")).to_have_attribute("data-status", "impossible")
    expect(basis).to_have_attribute("data-basis", "live")
    live_order = order(page, "#table-container")

    # Liverpool win 0-2 at Salzburg (what happened): 13 points, nobody can catch them.
    type_score(page, salzburg_liverpool, 0, 2)
    expect(predicted.locator("caption")).to_contain_text("with your scores")
    expect(predicted.locator(f'tr[data-team-id="{liverpool["id"]}"] .col-pts')).to_have_text("13")
    expect(scenario(page, liverpool, "group-winner")).to_have_attribute("data-status", "clinched")
    expect(scenario(page, salzburg, "round-of-16")).to_have_attribute("data-status", "impossible")
    expect(basis).to_have_attribute("data-basis", "predicted")

    # Salzburg win 1-0 instead: level with Liverpool on 10, ahead on away goals; Napoli decide it.
    type_score(page, salzburg_liverpool, 1, 0)
    expect(predicted.locator(f'tr[data-team-id="{salzburg["id"]}"] .col-pts')).to_have_text("10")
    expect(first).to_have_attribute("data-team-id", str(salzburg["id"]))
    expect(predicted.locator(f'tr[data-team-id="{salzburg["id"]}"]')).to_contain_text("ahead on")
    expect(scenario(page, liverpool, "group-winner")).to_have_attribute("data-status", "impossible")
    expect(scenario(page, liverpool, "round-of-16")).to_have_attribute("data-status", "depends")
    expect(scenario(page, liverpool, "round-of-16")).to_contain_text("Genk")

    # And Napoli beat Genk 4-0: 12 points, top; Liverpool third. Nothing is left to play.
    type_score(page, napoli_genk, 4, 0)
    expected = ",".join(str(team["id"]) for team in (napoli, salzburg, liverpool, genk))
    wait_until_true(
        page,
        "expected => [...document.querySelectorAll('#predictor-table tbody tr')].map(r => r.dataset.teamId)"
        ".join() === expected",
        expected,
    )
    expect(predicted.locator(f'tr[data-team-id="{napoli["id"]}"] .col-pts')).to_have_text("12")
    expect(page.locator("#scenarios")).to_have_attribute("data-remaining", "0")

    # The live table is not touched by a prediction; clearing the scores brings the real state back.
    assert order(page, "#table-container") == live_order
    page.get_by_role("button", name="Clear scores").click()
    expect(predicted.locator("caption")).not_to_contain_text("with your scores")
    expect(first).to_have_attribute("data-team-id", str(liverpool["id"]))
    expect(predicted.locator(f'tr[data-team-id="{liverpool["id"]}"] .col-pts')).to_have_text("10")
    expect(scenario(page, liverpool, "group-winner")).to_have_attribute("data-status", "depends")
    expect(basis).to_have_attribute("data-basis", "live")
    assert_not_reloaded(page)


def test_the_predictors_table_shows_only_once_a_score_is_typed(web, fan_server, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    liverpool = salzburg_liverpool.away
    page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/")
    wait_live(page)
    predicted = page.locator("#predictor-table")
    # Until something is predicted it would only repeat the table above.
    expect(predicted).to_be_hidden()
    expect(page.locator("#table-container")).to_be_visible()
    type_score(page, salzburg_liverpool, 0, 2)
    expect(predicted).to_be_visible()
    expect(predicted.locator("caption")).to_contain_text("with your scores")
    # The typed score counts in the predicted table's form, marked as the reader's.
    last = predicted.locator(f'tr[data-team-id="{liverpool["id"]}"] .form-guide li').last
    expect(last).to_have_attribute("title", "Won 2-0 v Salzburg (your score)")
    page.get_by_role("button", name="Clear scores").click()
    expect(predicted).to_be_hidden()
