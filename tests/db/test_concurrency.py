"""Concurrent writers on one match, on a database that really runs them at once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from events import services
from events.models import Change, Match, MatchEvent
from tests.factories import make_match, player

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"),
]

WRITERS = 8


def run_concurrently(function, arguments):
    def call(argument):
        try:
            return function(argument)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(call, arguments))


def test_a_double_tap_from_many_connections_creates_one_goal():
    match = make_match(kicked_off=True)
    scorer = player(match.home, 9).id

    def submit(_):
        return services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                                     player_id=scorer, idempotency_key="same-tap")

    results = run_concurrently(submit, range(WRITERS))
    assert sum(result.created for result in results) == 1
    assert len({result.event.id for result in results}) == 1
    assert MatchEvent.objects.filter(kind="goal").count() == 1
    assert Match.objects.get(pk=match.id).home_score == 1


def test_concurrent_events_get_distinct_consecutive_seqs():
    match = make_match(kicked_off=True)

    def submit(minute):
        return services.record_event(match_id=match.id, kind="injury", minute=minute, team_id=match.home_id,
                                     player_id=player(match.home, 2 + minute % 9).id)

    results = run_concurrently(submit, range(1, WRITERS + 1))
    assert sorted(result.seq for result in results) == list(range(2, WRITERS + 2))
    assert list(Change.objects.filter(match=match).order_by("seq").values_list("seq", flat=True)) == list(
        range(1, WRITERS + 2))


def test_concurrent_edits_of_one_event_lose_nothing_silently():
    match = make_match(kicked_off=True)
    event = services.record_event(match_id=match.id, kind="injury", minute=5, team_id=match.home_id,
                                  player_id=player(match.home, 2).id).event

    def edit(minute):
        try:
            services.amend_event(event_id=event.id, changes={"minute": minute}, expected_version=1)
            return "saved"
        except services.ServiceError as error:
            return error.code

    outcomes = run_concurrently(edit, range(10, 10 + WRITERS))
    assert outcomes.count("saved") == 1 and outcomes.count("stale_version") == WRITERS - 1
    assert MatchEvent.objects.get(pk=event.id).version == 2
