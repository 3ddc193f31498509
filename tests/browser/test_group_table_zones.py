"""The group table's qualification zones: coloured, named in each row and in a legend, and still right when a goal
moves the rows. Group E before its last matchday: Liverpool 10 points, Napoli 9, Salzburg 7, Genk 1."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, DemoMatch, wait_live, wait_until_true

LIVE_WITHIN_MS = 1_000
ZONES = {1: ("round-of-16", "Round of 16"), 2: ("round-of-16", "Round of 16"), 3: ("europa-league", "Europa League"),
         4: ("out", "Out")}


def row(page: Page, team: dict, container: str = "#table-container"):
    return page.locator(f'{container} tr[data-team-id="{team["id"]}"]')


def assert_zones_follow_positions(page: Page, container: str = "#table-container") -> None:
    rows = page.locator(f"{container} tbody tr")
    expect(rows).to_have_count(4)
    for position, (key, label) in ZONES.items():
        at = page.locator(f'{container} tbody tr[data-position="{position}"]')
        expect(at).to_have_attribute("data-zone", key)
        # Named in words for screen readers, not only coloured.
        expect(at.locator(".col-pos [data-zone-label]")).to_have_text(label)


def stripe_colours(page: Page, container: str = "#table-container") -> dict[str, str]:
    return page.evaluate(
        """container => Object.fromEntries([...document.querySelectorAll(container + ' tbody tr')].map(
             row => [row.dataset.zone, getComputedStyle(row.querySelector('.col-pos')).boxShadow]))""",
        container,
    )


def goal(api: Api, match: DemoMatch, side: str, scorer: str, minute: int) -> None:
    team = match.home if side == "home" else match.away
    api.event(match.id, kind="goal", minute=minute, team=team["id"], player=match.player(side, scorer)["id"])


def test_zones_are_coloured_named_in_a_legend_and_follow_rows_that_move(web, fan_server, api, matchday_6):
    napoli_genk, salzburg_liverpool = matchday_6
    salzburg, liverpool = salzburg_liverpool.home, salzburg_liverpool.away
    page = web.page(fan_server, f"/groups/{napoli_genk.group_id}/matchdays/6/")
    wait_live(page)
    assert_zones_follow_positions(page)
    colours = stripe_colours(page)
    assert len(set(colours.values())) == 3 and all("rgb" in colour for colour in colours.values()), colours
    legend = page.locator("#table-container .zone-legend li")
    expect(legend).to_have_text(["Round of 16 (1–2)", "Europa League (3)", "Out (4)"])
    expect(legend.first.locator(".zone-legend__swatch")).to_have_attribute("aria-hidden", "true")

    # Salzburg score at home: level with Liverpool on 10 and ahead on away goals. Liverpool drop into third,
    # and their row says Europa League as it moves there.
    for match in matchday_6:
        match.kick_off(api)
    wait_until_true(page, "() => document.querySelector('#table-container table.standings').dataset.provisional"
                          " === 'true'")
    # From here the table is patched in place from the goal's compact rows, not replaced by markup.
    page.evaluate("window.__table = document.querySelector('#table-container table.standings')")
    goal(api, salzburg_liverpool, "home", "Haaland", 10)
    expect(row(page, liverpool)).to_have_attribute("data-position", "3", timeout=LIVE_WITHIN_MS)
    expect(row(page, liverpool)).to_have_attribute("data-zone", "europa-league")
    expect(row(page, liverpool).locator("[data-zone-label]")).to_have_text("Europa League")
    expect(row(page, salzburg)).to_have_attribute("data-zone", "round-of-16")
    expect(row(page, salzburg).locator(".col-pts")).to_have_text("10")
    assert_zones_follow_positions(page)
    assert stripe_colours(page) == colours
    assert page.evaluate("document.querySelector('#table-container table.standings') === window.__table")
    # Patched, it reads as the server renders it now: the same rows, words, titles and zones, in the same order.
    fresh = web.page(fan_server, f"/groups/{napoli_genk.group_id}/matchdays/6/")
    assert table_as_read(page) == table_as_read(fresh)


def table_as_read(page: Page) -> list:
    return page.evaluate("""Array.from(document.querySelectorAll('#table-container tbody tr'), row => [
        row.dataset.teamId, row.dataset.position, row.dataset.zone, row.title,
        row.className.replace('row--changed', '').trim(),
        Array.from(row.querySelectorAll('td, th'), cell => cell.innerText.replace(/\\s+/g, ' ').trim())])""")


def test_the_match_page_and_the_group_page_show_the_zones_too(web, fan_server, cluster, matchday_6):
    page = web.page(fan_server, f"/matches/{cluster.demo_match_id}/")
    wait_live(page)
    assert_zones_follow_positions(page)
    expect(page.locator("#table-container .zone-legend li")).to_have_count(3)
    page.goto(f"/groups/{matchday_6[0].group_id}/")
    wait_live(page)
    assert_zones_follow_positions(page)
    expect(page.locator("#table-container .zone-legend li")).to_have_count(3)
