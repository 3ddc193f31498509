"""Every kind of page a reader meets, in each of the site's languages, on a phone: the page is really in that
language (<html lang> and a word of its own in the language's catalog), passes axe with its disclosures open,
and does not scroll sideways at 360 px, where the longest labels (German's) have the least room.

One scene for the module (Liverpool-Napoli under way, a two-legged tie gone to penalties, the 2026 World
Cup before Group G's last match), one browser context per language, each page visited once; screenshots of
the German pages go to test-artifacts/languages/. The editors' pages (their list, the console, the corrections
page) are checked signed in, after the readers' pages.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, ARTIFACTS, Api, demo_match, run_commands, screenshot, settle, wait_live
from tests.browser.test_bracket import remove_competition, shell
from tests.browser.test_pages import AXE_OPTIONS, PHONE, play_live_scene
from tests.browser.test_shootout import play_to_penalties

LANGUAGES = ["en", "it", "de", "nl", "es"]
# A reader's browser in that language: its dates too (Intl), not only the site's words.
LOCALES = {"en": "en-GB", "it": "it-IT", "de": "de-DE", "nl": "nl-NL", "es": "es-ES"}
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "timezone_id": "Europe/Rome"}
DAY = "2019-11-27"  # matchday 5 of the demo's group, Liverpool-Napoli among the day's matches


@pytest.fixture(scope="module")
def scene(cluster) -> Iterator[dict]:
    api = Api(cluster.servers[0], cluster.token)
    run_commands(cluster, "call_command('replay_match', reset_only=True)",
                 "call_command('replay_match', matchday=6, reset_only=True)")
    match = play_live_scene(api, demo_match(api, cluster.demo_match_id))
    suffix = secrets.token_hex(3)
    made = shell(cluster, f"""
import json
from events import services
from events.models import Match
from tests.db.test_bracket_page import make_two_legged_tie
from tests.db.test_tournament_page import import_world_cup_2026
tie, first, second = make_two_legged_tie(first_leg=(1, 0), names=("Porto {suffix}", "Roma {suffix}"))
world_cup = import_world_cup_2026()
egypt_iran = Match.objects.get(competition=world_cup, home__name="Egypt", away__name="Iran")
services.reset_match(match_id=egypt_iran.id)
print(json.dumps({{"tie": tie.stage.competition_id, "second": second.id, "teams": [tie.team_a_id, tie.team_b_id],
                  "world_cup": world_cup.id}}))
""")
    try:
        second = api.snapshot(made["second"])
        roma, roma_xi = second["match"]["home"], second["lineups"]["home"]["starting"]
        porto, porto_xi = second["match"]["away"], second["lineups"]["away"]["starting"]
        play_to_penalties(api, made["second"], roma_xi[9], roma)
        for taker in (9, 8, 7):  # Roma win it 3-0 on penalties
            api.event(made["second"], kind="shootout_kick", team=roma["id"], player=roma_xi[taker]["id"],
                      kick_outcome="scored")
            api.event(made["second"], kind="shootout_kick", team=porto["id"], player=porto_xi[taker]["id"],
                      kick_outcome="saved" if taker != 8 else "missed")
        api.event(made["second"], kind="period_end", period="penalties")
        competition = api.snapshot(match.id)["match"]["competition"]["id"]
        yield {
            "home": f"/?date={DAY}",
            "match": f"/matches/{match.id}/",
            "group": f"/groups/{match.group_id}/",
            "matchday": f"/groups/{match.group_id}/matchdays/5/",
            "team": f"/competitions/{competition}/teams/{match.away['id']}/",
            "my teams": "/my-teams/",
            "tournament": f"/competitions/{made['world_cup']}/",
            "bracket": f"/competitions/{made['world_cup']}/bracket/",
            "two-legged tie": f"/competitions/{made['tie']}/bracket/",
            "shoot-out": f"/matches/{made['second']}/",
            "match widget": f"/embed/matches/{match.id}/",
            "table widget": f"/embed/groups/{match.group_id}/table/",
            "login": "/editor/login/",
            "editor": "/editor/",  # signed in through the login page's form, in the reader's language
            "console": f"/editor/matches/{match.id}/",
            "corrections": f"/editor/matches/{match.id}/corrections/",
        }
    finally:
        remove_competition(cluster, made["tie"], teams=made["teams"])
        remove_competition(cluster, made["world_cup"])


# A word of each page's own, whose translation must show: the page is not English under another <html lang>.
OWN_WORDS = {
    "home": "Go to today",
    "match": "Lineups",
    "group": "Fixtures and results",
    "matchday": "Table as it stands",
    "team": "Fixtures in your calendar:",
    "my teams": "The teams you follow, kept in this browser. Their matches come first on the home page.",
    "tournament": "Groups",
    "bracket": "Tournament home: the groups and the bracket",
    "two-legged tie": "Decided on penalties",
    "shoot-out": "After extra time",
    "match widget": "Full match centre: lineups, table and stats",
    "table widget": "Fixtures, results and what each team needs",
    "login": "Editor sign in",
    "editor": "Upcoming",
    "console": "New event",
    "corrections": "Every correction needs a reason, goes to every open page at once, and is shown to fans in the "
                   "match's history. This page follows the match live.",
}
# Pages without the site's live status (a form, a list kept in the browser, the editors' pages).
NOT_LIVE = {"my teams", "login", "editor", "console", "corrections"}
WIDGETS = {"match widget", "table widget"}


def in_language(msgid: str, language: str) -> str:
    with translation.override(language):
        translated = translation.gettext(msgid)
    assert language == "en" or translated != msgid, f"the {language} catalog has no translation of {msgid!r}"
    return translated


def sign_in(page: Page) -> None:
    """Through the login page's form (its labels are in the page's language: found by their fields)."""
    page.goto("/editor/login/?next=/editor/")
    page.locator("#id_username").fill(ADMIN[0])
    page.locator("#id_password").fill(ADMIN[1])
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def visit(page: Page, name: str, path: str, language: str) -> None:
    if name == "editor":
        sign_in(page)
    # A widget's language is the publisher's choice, in its address; the site's pages follow the reader's cookie.
    page.goto(f"{path}?lang={language}" if name in WIDGETS else path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    if name not in NOT_LIVE:
        wait_live(page)
    if name == "team":
        page.locator("#follow-team").click()  # for My teams, next
    expect(page.locator("body")).to_contain_text(in_language(OWN_WORDS[name], language))


# Every word of letters that the layout splits across two lines (overflow-wrap breaking it for want of room):
# a label too long for its column in some language. Words of several parts (2019-20, TV-Stream) may break.
SPLIT_WORDS = """(() => {
  const split = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement || node.parentElement.closest("[hidden], script, style, svg, .visually-hidden")) continue;
    for (const word of node.textContent.matchAll(/[\\p{L}\\p{N}'.]{2,}/gu)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1) split.push(`${word[0]} (${node.parentElement.className})`);
    }
  }
  return split;
})()"""


def open_disclosures(page: Page) -> None:
    """Open what a reader can open in the page's content (the reasoning behind each team's needs): checked too.
    Not the header's delay menu, which by design lies over the content while it is open."""
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_and_fits_a_phone_in_every_language(web, fan_server, scene, language):
    context = web.context(fan_server, locale=LOCALES[language], **PHONE_CONTEXT)
    context.add_cookies([{"name": "django_language", "value": language, "url": fan_server.base_url}])
    page = context.new_page()
    problems = []
    for name, path in scene.items():
        visit(page, name, path, language)
        settle(page)
        page.evaluate("document.querySelectorAll('.tie--changed,.kick--new')"
                      ".forEach(e => e.classList.remove('tie--changed', 'kick--new'))")
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if widths[0] > widths[1]:
            problems.append(f"{name} ({page.url}) scrolls sideways at {PHONE['width']} px: {widths}")
        split = page.evaluate(SPLIT_WORDS)
        if split:
            problems.append(f"{name} ({page.url}) splits words across lines at {PHONE['width']} px: {split}")
        if language == "de":
            (ARTIFACTS / "languages").mkdir(parents=True, exist_ok=True)
            screenshot(page, f"languages/{name.replace(' ', '-')}-phone-de")
        open_disclosures(page)
        results = Axe().run(page, options=AXE_OPTIONS)
        if results.violations_count:
            problems.append(f"{name} ({page.url}):\n{results.generate_report()}")
    assert not problems, f"in {language}:\n" + "\n".join(problems)

