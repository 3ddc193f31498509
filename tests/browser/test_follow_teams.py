"""Following teams: with no account, a team followed from its page is kept in the browser, its matches come
first on the home page and it is listed on "My teams"; a signed-in user's choice follows them to another
device."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, log_in
from tests.browser.test_pages import check_accessibility

# Matchday 5 of the 2019-20 group stage: Liverpool-Napoli among the day's matches.
DAY = "2019-11-27"


def team_page(api, match, side: str) -> str:
    competition = api.snapshot(match.id)["match"]["competition"]["id"]
    team = match.home if side == "home" else match.away
    return f"/competitions/{competition}/teams/{team['id']}/"


def test_a_followed_team_leads_the_home_page_and_is_listed_on_my_teams(web, fan_server, api, liverpool_napoli):
    match = liverpool_napoli
    napoli = match.away
    fan = web.page(fan_server, f"/?date={DAY}")
    first_fixture = fan.locator("#day-matches li[data-match-id]").first
    expect(first_fixture).to_be_visible()
    expect(fan.locator(".fixture--followed")).to_have_count(0)

    fan.goto(team_page(api, match, "away"))
    follow = fan.locator("#follow-team")
    expect(follow).to_have_attribute("aria-pressed", "false")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(follow).to_have_text("Following")

    fan.goto(f"/?date={DAY}")
    expect(first_fixture).to_have_attribute("data-match-id", str(match.id))
    expect(first_fixture).to_have_class("fixture fixture--scheduled fixture--followed")
    expect(fan.locator("#day-matches > section").first.locator("li.fixture--followed")).to_have_count(1)

    fan.goto("/my-teams/")
    entry = fan.locator(f'#my-teams li[data-team-id="{napoli["id"]}"]')
    expect(entry).to_contain_text(napoli["name"])
    expect(entry).to_contain_text("Next: Liverpool FC v SSC Napoli")
    expect(fan.locator("#my-teams-empty")).to_be_hidden()
    check_accessibility(fan, "my teams")

    entry.get_by_role("button", name=f"Unfollow {napoli['name']}").click()
    expect(entry).to_have_count(0)
    expect(fan.locator("#my-teams-empty")).to_be_visible()
    fan.goto(team_page(api, match, "away"))
    expect(fan.locator("#follow-team")).to_have_attribute("aria-pressed", "false")


def test_a_signed_in_users_teams_follow_them_to_another_device(web, editor_server, api, liverpool_napoli):
    match = liverpool_napoli
    phone = web.page(editor_server)
    log_in(phone, *ADMIN, next_path="/my-teams/")
    expect(phone.locator("#my-teams-empty")).to_be_visible()
    phone.goto(team_page(api, match, "home"))
    phone.locator("#follow-team").click()
    expect(phone.locator("#follow-team")).to_have_attribute("aria-pressed", "true")

    laptop = web.page(editor_server)  # another browser profile: nothing in its storage
    log_in(laptop, *ADMIN, next_path="/my-teams/")
    expect(laptop.locator(f'#my-teams li[data-team-id="{match.home["id"]}"]')).to_contain_text(match.home["name"])
    laptop.goto(team_page(api, match, "home"))
    expect(laptop.locator("#follow-team")).to_have_attribute("aria-pressed", "true")

    # Unfollowed on one device, gone on the other.
    laptop.locator("#follow-team").click()
    expect(laptop.locator("#follow-team")).to_have_attribute("aria-pressed", "false")
    laptop.wait_for_timeout(500)
    phone.goto("/my-teams/")
    expect(phone.locator("#my-teams-empty")).to_be_visible()
    expect(phone.locator("#my-teams li")).to_have_count(0)
