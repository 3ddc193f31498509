"""events/reads/history.py: what a change adds to the record of corrections."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from events.models import Change
from events.reads.history import change_entry
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db


def test_a_new_event_corrects_nothing_and_costs_no_query_for_its_authors_role():
    """Every goal is built in five languages, each asking for the entry: a query each was five per goal."""
    match = make_match(kicked_off=True)
    editor = make_user(role="Editors")
    result = services.record_event(match_id=match.id, kind="goal", minute=9, team_id=match.home_id,
                                   player_id=player(match.home, 9).id, user=editor)
    change = Change.objects.select_related("user").get(match=match, seq=result.seq)
    with CaptureQueriesContext(connection) as queries:
        assert change_entry(change) is None
    assert len(queries) == 0


def test_a_removal_is_recorded_with_its_authors_role():
    match = make_match(kicked_off=True)
    result = services.record_event(match_id=match.id, kind="goal", minute=9, team_id=match.home_id,
                                   player_id=player(match.home, 9).id)
    admin = make_user("desk", role="Admins")
    services.remove_event(event_id=result.event.id, user=admin, reason="Scored from an offside position")
    change = Change.objects.select_related("user").get(match=match, op=Change.Op.REMOVE)
    entry = change_entry(change)
    assert entry["reason"] == "Scored from an offside position" and entry["by"] == "an admin"
