"""iCalendar feeds of fixtures (/teams/{id}/calendar.ics, /competitions/{id}/calendar.ics), parsed back with
the icalendar library; a moved kick-off (services.reschedule_match, POST /api/matches/{id}/schedule) updates
the same event."""

import datetime
from datetime import UTC

import pytest
from icalendar import Calendar

from events import services
from events.models import Match
from tests.factories import make_competition, make_match, make_team, make_user

pytestmark = pytest.mark.django_db

KICKOFF = datetime.datetime(2019, 11, 27, 20, 0, tzinfo=UTC)


def read_calendar(client, url: str, **headers) -> Calendar:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar


def events_of(calendar: Calendar) -> dict[str, dict]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def fixtures():
    """A team with a home match, an away match, and a match in another competition."""
    team = make_team("Liverpool FC")
    first = make_match(home=team, kickoff=KICKOFF, venue="Anfield", with_lineups=False)
    second = make_match(away=team, competition=first.competition, group=first.group, with_lineups=False,
                        kickoff=KICKOFF + datetime.timedelta(days=13), venue="Red Bull Arena")
    elsewhere = make_match(home=team, competition=make_competition(name="Premier League"), with_lineups=False,
                           kickoff=KICKOFF + datetime.timedelta(days=3), extra_time_possible=True)
    return team, first, second, elsewhere


def test_a_team_calendar_holds_its_matches_in_every_competition_in_utc_with_the_venue(client, fixtures):
    team, first, second, elsewhere = fixtures
    calendar = read_calendar(client, f"/teams/{team.id}/calendar.ics")

    assert str(calendar["X-WR-CALNAME"]) == "Liverpool FC: fixtures"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in calendar.to_ical()
    assert b"X-PUBLISHED-TTL:PT1H" in calendar.to_ical()
    events = list(calendar.walk("VEVENT"))
    assert [event["SUMMARY"] for event in events] == [
        f"{team.short_name} v {first.away.short_name}",
        f"{team.short_name} v {elsewhere.away.short_name}",
        f"{second.home.short_name} v {team.short_name}",
    ]
    anfield = events[0]
    assert anfield.decoded("DTSTART") == KICKOFF
    assert anfield.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert b"DTSTART:20191127T200000Z" in anfield.to_ical()
    assert anfield.decoded("DTEND") - anfield.decoded("DTSTART") == datetime.timedelta(hours=2)
    assert events[1].decoded("DTEND") - events[1].decoded("DTSTART") == datetime.timedelta(hours=2, minutes=45)
    assert str(anfield["LOCATION"]) == "Anfield"
    assert str(anfield["URL"]).endswith(f"/matches/{first.id}/")
    assert anfield["SEQUENCE"] == 0
    assert len({str(event["UID"]) for event in events}) == 3


def test_a_competition_calendar_holds_every_match_and_a_result_once_played(client, fixtures):
    _, first, second, _ = fixtures
    services.record_result(match_id=first.id, home_goals=1, away_goals=1)
    events = list(read_calendar(client, f"/competitions/{first.competition_id}/calendar.ics").walk("VEVENT"))
    assert [str(event["SUMMARY"]) for event in events] == [
        f"{first.home.short_name} 1-1 {first.away.short_name}",
        f"{second.home.short_name} v {second.away.short_name}",
    ]


def test_a_moved_kickoff_updates_the_same_event_with_a_higher_sequence(client, fixtures):
    team, first, _, _ = fixtures
    before = events_of(read_calendar(client, f"/teams/{team.id}/calendar.ics"))
    later = KICKOFF + datetime.timedelta(days=1, hours=-2)

    services.reschedule_match(match_id=first.id, kickoff=later, reason="Moved for television")

    after = events_of(read_calendar(client, f"/teams/{team.id}/calendar.ics"))
    assert before.keys() == after.keys()  # the same UIDs: no second event for the match
    uid = next(uid for uid, event in after.items() if str(event["LOCATION"]) == "Anfield")
    assert after[uid].decoded("DTSTART") == later
    assert after[uid]["SEQUENCE"] == before[uid]["SEQUENCE"] + 1
    others = [uid_ for uid_ in after if uid_ != uid]
    assert all(after[o]["SEQUENCE"] == before[o]["SEQUENCE"] for o in others)


def test_a_calendar_is_cached_until_a_kickoff_moves(client, fixtures):
    team, first, _, _ = fixtures
    url = f"/teams/{team.id}/calendar.ics"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.reschedule_match(match_id=first.id, kickoff=KICKOFF + datetime.timedelta(hours=1))
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    competition_url = f"/competitions/{first.competition_id}/calendar.ics"
    etag = client.get(competition_url)["ETag"]
    services.reschedule_match(match_id=first.id, kickoff=KICKOFF, venue="Goodison Park")
    assert client.get(competition_url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_rescheduling_a_postponed_match_schedules_it_again_and_the_same_time_changes_nothing(fixtures):
    _, first, _, _ = fixtures
    Match.objects.filter(pk=first.id).update(status=Match.Status.POSTPONED)
    moved = services.reschedule_match(match_id=first.id, kickoff=KICKOFF + datetime.timedelta(days=7))
    assert (moved.status, moved.schedule_sequence) == (Match.Status.SCHEDULED, 1)
    again = services.reschedule_match(match_id=first.id, kickoff=KICKOFF + datetime.timedelta(days=7))
    assert again.schedule_sequence == 1


def test_a_postponed_match_is_tentative_in_calendars(client, fixtures):
    team, first, _, _ = fixtures
    Match.objects.filter(pk=first.id).update(status=Match.Status.POSTPONED)
    event = read_calendar(client, f"/teams/{team.id}/calendar.ics").walk("VEVENT")[0]
    assert str(event["STATUS"]) == "TENTATIVE" and str(event["SUMMARY"]).startswith("Postponed: ")


def test_an_admin_moves_a_kickoff_through_the_api_and_bad_input_names_its_field(client, fixtures):
    _, first, _, _ = fixtures
    url = f"/api/matches/{first.id}/schedule"
    client.force_login(make_user(role="Editors"))
    body = {"kickoff": "2019-11-28T18:55:00+00:00", "reason": "Television"}
    assert client.post(url, body, content_type="application/json").status_code == 403

    client.force_login(make_user(role="Admins"))
    for bad, field in (
        ({"kickoff": "2019-11-28T18:55:00", "reason": "no offset"}, "kickoff"),
        ({"kickoff": "tomorrow", "reason": "x"}, "kickoff"),
        ({"kickoff": "2019-11-28T18:55:00Z", "reason": ""}, "reason"),
        ({"kickoff": "2019-11-28T18:55:00Z", "reason": "x", "when": 1}, "when"),
    ):
        response = client.post(url, bad, content_type="application/json")
        assert response.status_code == 422, (bad, response.content)
        assert field in response.content.decode(), (bad, response.json())
    first.refresh_from_db()
    assert (first.kickoff, first.schedule_sequence) == (KICKOFF, 0)  # nothing stored from a refused request

    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["schedule_sequence"] == 1
    first.refresh_from_db()
    assert first.kickoff == datetime.datetime(2019, 11, 28, 18, 55, tzinfo=UTC)


def test_a_match_that_kicked_off_keeps_its_time(client, fixtures):
    _, first, _, _ = fixtures
    services.record_result(match_id=first.id, home_goals=0, away_goals=0)
    with pytest.raises(services.ServiceError) as refused:
        services.reschedule_match(match_id=first.id, kickoff=KICKOFF + datetime.timedelta(days=1))
    assert refused.value.status == 409


def test_team_and_tournament_pages_offer_the_calendars(client, fixtures):
    team, first, _, _ = fixtures
    team_page = client.get(f"/competitions/{first.competition_id}/teams/{team.id}/").content.decode()
    assert f'href="webcal://testserver/teams/{team.id}/calendar.ics"' in team_page
    assert f'href="/teams/{team.id}/calendar.ics"' in team_page
    tournament = client.get(f"/competitions/{first.competition_id}/").content.decode()
    assert f'href="webcal://testserver/competitions/{first.competition_id}/calendar.ics"' in tournament


@pytest.mark.parametrize("url", ["/teams/999999/calendar.ics", "/competitions/999999/calendar.ics"])
def test_a_calendar_of_nothing_is_404(client, url):
    assert client.get(url).status_code == 404


def test_a_calendar_reads_in_the_readers_language_with_the_same_events(client, fixtures):
    team, first, _, _ = fixtures
    Match.objects.filter(pk=first.id).update(status=Match.Status.POSTPONED)
    english = read_calendar(client, f"/teams/{team.id}/calendar.ics")
    italian = read_calendar(client, f"/teams/{team.id}/calendar.ics", HTTP_ACCEPT_LANGUAGE="it")

    assert str(italian["X-WR-CALNAME"]) == "Liverpool FC: calendario"
    summaries = [str(event["SUMMARY"]) for event in italian.walk("VEVENT")]
    assert summaries[0] == f"Rinviata: {team.short_name} - {first.away.short_name}"
    assert events_of(italian).keys() == events_of(english).keys()  # the same UIDs: a reader's calendar keeps them
