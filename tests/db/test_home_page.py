"""The home page: one day's matches in the reader's time zone, by competition, with a strip of days."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Group
from events.reads import matches as match_reads
from tests.factories import make_competition, make_match

pytestmark = pytest.mark.django_db

EVENING = datetime(2019, 11, 27, 20, 0, tzinfo=UTC)


def listed_ids(page: str, matches) -> list[int]:
    """The matches whose fixtures the page lists, in the order it lists them."""
    found = [(page.find(f'id="fixture-{m.id}"'), m.id) for m in matches]
    return [match_id for position, match_id in sorted(found) if position >= 0]


def test_it_lists_one_days_matches_grouped_by_competition_then_group(client):
    cup, league = make_competition(name="Zeta Cup"), make_competition(name="Alpha League")
    group_b, group_a = (Group.objects.create(competition=cup, name=name) for name in ("Group B", "Group A"))
    early_b = make_match(group=group_b, kickoff=EVENING - timedelta(hours=2))
    late_a = make_match(group=group_a, kickoff=EVENING)
    league_match = make_match(competition=league, kickoff=EVENING, round_name="Round 12")
    other_day = make_match(group=group_a, kickoff=EVENING + timedelta(days=1))
    page = client.get("/?date=2019-11-27").content.decode()
    assert listed_ids(page, [early_b, late_a, league_match, other_day]) == [league_match.id, late_a.id, early_b.id]
    assert page.index("Alpha League") < page.index("Zeta Cup") < page.index("Group A") < page.index("Group B")
    assert "Round 12" in page and "Wednesday 27 November 2019" in page


def test_days_are_the_readers_days_when_the_page_knows_their_zone(client):
    late_evening = make_match(kickoff=datetime(2019, 11, 27, 23, 30, tzinfo=UTC))  # 00:30 on the 28th in Rome
    assert listed_ids(client.get("/?date=2019-11-27").content.decode(), [late_evening]) == [late_evening.id]
    client.cookies["tz"] = "Europe/Rome"
    page = client.get("/?date=2019-11-27").content.decode()
    assert listed_ids(page, [late_evening]) == [] and "Europe/Rome" in page
    # Rome's 28 November starts at 23:00 UTC on the 27th: its socket follows both UTC dates.
    page = client.get("/?date=2019-11-28").content.decode()
    assert listed_ids(page, [late_evening]) == [late_evening.id]
    assert 'data-ws-path="/ws/days/2019-11-27,2019-11-28/"' in page


@pytest.mark.parametrize("cookie", ["Not/AZone", "../../etc/passwd", ""])
def test_a_zone_it_does_not_know_is_read_as_the_sites(client, cookie):
    client.cookies["tz"] = cookie
    page = client.get("/?date=2019-11-27").content.decode()
    assert "Days and kick-off times in <span id=\"day-zone\">UTC</span>" in page


def test_the_date_strip_links_the_days_with_matches_around_this_one(client):
    for days in (-9, -2, 0, 1, 30):
        make_match(kickoff=EVENING + timedelta(days=days))
    page = client.get("/?date=2019-11-27").content.decode()
    strip = page[page.index('id="date-strip"'):page.index('id="day-matches"')]
    linked = [part[1:11] for part in strip.split('href="?date')[1:]]
    assert linked[:5] == ["2019-11-18", "2019-11-25", "2019-11-27", "2019-11-28", "2019-12-27"]
    assert 'href="?date=2019-11-27" aria-current="date"' in strip
    assert 'href="?date=2019-11-25" rel="prev"' in strip and 'href="?date=2019-11-28" rel="next"' in strip


def test_a_date_that_is_not_one_is_refused_naming_the_parameter(client):
    response = client.get("/?date=27-11-2019")
    assert response.status_code == 400 and b"date" in response.content


def test_a_day_without_matches_says_so(client):
    make_match(kickoff=EVENING)
    page = client.get("/?date=2019-11-29").content.decode()
    assert "No matches on this day." in page and "2019-11-27" in page


def test_it_renders_in_a_constant_number_of_queries(client):
    make_match(kickoff=EVENING)
    with CaptureQueriesContext(connection) as few:
        client.get("/?date=2019-11-27")
    for _ in range(6):
        make_match(kickoff=EVENING, competition=make_competition())
    with CaptureQueriesContext(connection) as many:
        client.get("/?date=2019-11-27")
    assert len(many) == len(few)


# --- which day the page opens on ------------------------------------------------------------------------

ROME = zoneinfo.ZoneInfo("Europe/Rome")
TODAY = datetime(2019, 11, 27).date()


def test_it_opens_on_today_when_today_has_matches():
    make_match(kickoff=EVENING)
    make_match(kickoff=EVENING - timedelta(days=3), kicked_off=True)
    assert match_reads.default_day(ROME, TODAY) == TODAY


def test_else_on_the_day_of_the_match_in_play():
    make_match(kickoff=EVENING - timedelta(days=400), kicked_off=True)
    make_match(kickoff=EVENING + timedelta(days=1))
    assert match_reads.default_day(ROME, TODAY) == (EVENING - timedelta(days=400)).date()


@pytest.mark.parametrize(("before", "after", "expected"), [(2, 3, -2), (3, 3, 3), (5, None, -5), (None, 4, 4)])
def test_else_on_the_nearest_day_with_matches_the_later_on_a_tie(before, after, expected):
    if before is not None:
        make_match(kickoff=EVENING - timedelta(days=before))
    if after is not None:
        make_match(kickoff=EVENING + timedelta(days=after))
    assert match_reads.default_day(ROME, TODAY) == TODAY + timedelta(days=expected)


def test_with_no_matches_at_all_it_opens_on_today():
    assert match_reads.default_day(ROME, TODAY) == TODAY
