"""Group tables kept per state of their group (events.reads.tables.group_tables): what the ranking of thirds and
the bracket read for every group, rebuilt only for the group a change moved."""

import pytest
from django.db import transaction

from events import services
from events.models import Group
from events.reads import tables
from tests.factories import make_competition, make_match, player

pytestmark = pytest.mark.django_db


def two_groups():
    competition = make_competition(season="2026", rule_set="fifa-2026")
    groups = [Group.objects.create(competition=competition, name=name) for name in ("Group A", "Group B")]
    matches = [make_match(group=group, kicked_off=True) for group in groups]
    return groups, matches


def goal(match, minute=10):
    services.record_event(match_id=match.id, kind="goal", minute=minute, team_id=match.home_id,
                          player_id=player(match.home, 9).id)


def committed_tables(groups, capture):
    """group_tables as a page reads them, its transaction committed (a test runs inside one)."""
    with capture(execute=True):
        return tables.group_tables(groups)


def test_a_change_rebuilds_the_table_of_its_group_only(monkeypatch, django_capture_on_commit_callbacks):
    groups, matches = two_groups()
    built = []
    real = tables.group_table
    monkeypatch.setattr(tables, "group_table", lambda group, *args: built.append(group.id) or real(group, *args))
    first = committed_tables(groups, django_capture_on_commit_callbacks)
    assert sorted(built) == sorted(group.id for group in groups)
    built.clear()
    assert committed_tables(groups, django_capture_on_commit_callbacks) == first and built == []
    goal(matches[0])
    built.clear()
    after = committed_tables(groups, django_capture_on_commit_callbacks)
    assert built == [groups[0].id]
    assert after[groups[0].id]["rows"][0]["goals_for"] == 1 and after[groups[1].id] == first[groups[1].id]


def test_a_score_changed_without_a_change_is_not_served_from_the_cache(django_capture_on_commit_callbacks):
    groups, matches = two_groups()
    committed_tables(groups, django_capture_on_commit_callbacks)
    type(matches[0]).objects.filter(pk=matches[0].pk).update(home_score=2)
    assert tables.group_tables(groups)[groups[0].id]["rows"][0]["goals_for"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_table_built_in_a_transaction_that_rolls_back_is_not_kept():
    groups, matches = two_groups()
    with pytest.raises(RuntimeError), transaction.atomic():
        goal(matches[0])
        assert tables.group_tables(groups)[groups[0].id]["rows"][0]["goals_for"] == 1
        raise RuntimeError("the commit fails")
    # The same seq is handed out again, to another change: the table must be the database's, not the cache's.
    matches[0].refresh_from_db()
    services.record_event(match_id=matches[0].id, kind="goal", minute=12, team_id=matches[0].away_id,
                          player_id=player(matches[0].away, 9).id)
    rows = {row["team"]["id"]: row for row in tables.group_tables(groups)[groups[0].id]["rows"]}
    assert (rows[matches[0].home_id]["goals_for"], rows[matches[0].away_id]["goals_for"]) == (0, 1)
