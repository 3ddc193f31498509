"""An organiser settles teams the table leaves level: in order, with a reason, public; nothing else moves."""

import pytest

from events import services
from events.models import Group, Match, TableSettlement
from events.reads import tables
from tests.db.services.helpers import refused
from tests.factories import make_competition, make_team, make_user

pytestmark = pytest.mark.django_db


def level_group():
    """Four teams: A top, B and C level on everything down to disciplinary points (results only: no
    cards recorded, so the centre cannot decide), D bottom."""
    competition = make_competition(rule_set="uefa-2019")
    group = Group.objects.create(competition=competition, name="Group Z")
    a, b, c, d = (make_team(f"{letter} Town {competition.id}") for letter in "ABCD")
    fixtures = [(a, b, 1, 0), (a, c, 1, 0), (b, c, 0, 0), (c, b, 0, 0), (d, a, 0, 2), (b, d, 1, 0), (c, d, 1, 0)]
    for home, away, home_goals, away_goals in fixtures:
        match = Match.objects.create(competition=competition, group=group, home=home, away=away, matchday=1,
                                     kickoff="2019-10-01T19:00:00Z")
        services.record_result(match_id=match.id, home_goals=home_goals, away_goals=away_goals)
    return group, (a, b, c, d)


def test_the_level_teams_are_flagged_with_the_criterion_the_data_lacks():
    group, (a, _b, _c, d) = level_group()
    rows = tables.group_table(group)["rows"]
    assert next(row["team"]["id"] for row in rows) == a.id and rows[3]["team"]["id"] == d.id
    assert rows[1]["undecided"] and rows[1]["undecided_at"] == "disciplinary points"
    assert tables.undecided_blocks(group) == [{"teams": [rows[1]["team"]["id"], rows[2]["team"]["id"]],
                                               "criterion": "disciplinary points"}]


def test_an_admin_settles_the_order_with_a_reason_and_the_table_and_history_show_it(client):
    group, (a, b, c, d) = level_group()
    admin = make_user(role="Admins")
    services.settle_table_order(group_id=group.id, team_ids=[c.id, b.id], reason="Fewer cards in UEFA's record",
                                user=admin)
    rows = tables.group_table(group)["rows"]
    assert [row["team"]["id"] for row in rows] == [a.id, c.id, b.id, d.id]
    assert [row["position"] for row in rows] == [1, 2, 3, 4]
    assert rows[1]["settled"]["reason"] == "Fewer cards in UEFA's record" and not rows[1]["undecided"]
    assert rows[1]["decided_by"] == "organiser's decision" and rows[2]["settled"]["order"] == 1
    assert [zone["key"] for zone in (rows[1]["zone"], rows[2]["zone"])] == ["round-of-16", "europa-league"]
    history = tables.settlement_history(group)
    assert history[0]["teams"] == [c.name, b.name] and history[0]["by"] == "an admin"
    page = client.get(f"/groups/{group.id}/").content.decode()
    assert "Decided by the organiser" in page and "Fewer cards in UEFA&#x27;s record" in page
    assert "; decided by an admin:" in page
    german = client.get(f"/groups/{group.id}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "; entschieden von einem Admin:" in german and "an admin" not in german
    assert client.get(f"/api/groups/{group.id}/table").json()["rows"][1]["settled"]["criterion"] == (
        "disciplinary points")


def test_a_settlement_is_refused_for_teams_that_are_not_level_or_without_a_reason():
    group, (a, b, c, _d) = level_group()
    error = refused("not_level", services.settle_table_order, group_id=group.id, team_ids=[a.id, b.id],
                    reason="Because")
    assert error.field == "teams" and error.status == 409
    refused("required", services.settle_table_order, group_id=group.id, team_ids=[c.id, b.id], reason="  ")
    refused("invalid_order", services.settle_table_order, group_id=group.id, team_ids=[b.id, b.id], reason="x")
    refused("not_found", services.settle_table_order, group_id=999999, team_ids=[b.id, c.id], reason="x")
    assert not TableSettlement.objects.exists()


def test_a_settlement_stops_applying_once_results_separate_the_teams():
    group, (a, b, c, d) = level_group()
    services.settle_table_order(group_id=group.id, team_ids=[c.id, b.id], reason="Drawing of lots")
    extra = Match.objects.create(competition=group.competition, group=group, home=b, away=a, matchday=2,
                                 kickoff="2019-11-01T19:00:00Z")
    services.record_result(match_id=extra.id, home_goals=1, away_goals=0)
    rows = tables.group_table(group)["rows"]
    assert all(row["settled"] is None for row in rows)
    assert [row["team"]["id"] for row in rows] == [a.id, b.id, c.id, d.id]  # 9, 8, 5 and 0 points


def test_an_admin_settles_the_order_in_the_django_admin_and_a_wrong_order_is_a_form_error(client):
    group, (a, b, c, _d) = level_group()
    client.force_login(make_user(role="Admins", is_staff=True))
    wrong = client.post("/admin/events/tablesettlement/add/",
                        {"group": group.id, "order": f"{a.name}\n{b.name}", "reason": "Lots"})
    assert wrong.status_code == 200 and "not exactly teams the table leaves level" in wrong.content.decode()
    unknown = client.post("/admin/events/tablesettlement/add/",
                          {"group": group.id, "order": "Nobody FC\nB", "reason": "Lots"})
    assert "Not a team of" in unknown.content.decode()
    assert not TableSettlement.objects.exists()
    done = client.post("/admin/events/tablesettlement/add/",
                       {"group": group.id, "order": f"{c.name}\n{b.name}", "reason": "Drawing of lots, 5 Dec"})
    assert done.status_code == 302
    settlement = TableSettlement.objects.get()
    assert settlement.teams == [c.id, b.id] and settlement.reason == "Drawing of lots, 5 Dec"
    assert settlement.criterion == "disciplinary points" and settlement.user.is_staff
