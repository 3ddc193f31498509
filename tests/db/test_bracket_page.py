"""The bracket page (/competitions/{id}/bracket/) and what the bracket feed carries for each change."""

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from events import services
from events.models import Competition, Group, Match, Stage, Tie
from live import messages
from live.protocol import bracket_feed
from tests.conftest import LayerListener
from tests.factories import make_competition, make_match, make_team, player

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball"
pytestmark = pytest.mark.django_db


def make_two_legged_tie(*, first_leg=(2, 1), rule_set="uefa-2021", names=("Liverpool FC", "Atletico Madrid")):
    """A round of 16 tie whose first leg was played (known by its result) and whose second leg, with
    lineups, has not kicked off: (tie, first leg, second leg)."""
    competition = make_competition(rule_set=rule_set)
    stage = Stage.objects.create(competition=competition, name="Round of 16", kind=Stage.Kind.KNOCKOUT, legs=2)
    team_a, team_b = make_team(names[0]), make_team(names[1])
    tie = Tie.objects.create(stage=stage, number=1, team_a=team_a, team_b=team_b)
    first = make_match(home=team_a, away=team_b, competition=competition, tie=tie, leg=1, extra_time_possible=True,
                       with_lineups=False, kickoff=datetime(2019, 2, 19, 20, tzinfo=UTC))
    services.record_result(match_id=first.id, home_goals=first_leg[0], away_goals=first_leg[1])
    second = make_match(home=team_b, away=team_a, competition=competition, tie=tie, leg=2, extra_time_possible=True,
                        kickoff=datetime(2019, 3, 11, 20, tzinfo=UTC))
    return tie, first, second


def make_league_phase(teams: int = 4) -> tuple[Competition, Group, list[Match]]:
    """A league phase of the 2024 format (one table), with a round of matches not yet kicked off."""
    competition = make_competition(season="2024-25", rule_set="uefa-2021")
    stage = Stage.objects.create(competition=competition, name="League phase", kind=Stage.Kind.LEAGUE,
                                 rule_set="uefa-league-phase-2024")
    group = Group.objects.create(competition=competition, stage=stage, name="League phase")
    clubs = [make_team() for _ in range(teams)]
    matches = [make_match(home=clubs[i], away=clubs[i + 1], group=group) for i in range(0, teams, 2)]
    return competition, group, matches


def import_season(name: str) -> Competition:
    call_command("import_openfootball", str(DATA / name), stdout=io.StringIO())
    return Competition.objects.get(season=name[:7])


def tie_markup(page: str, tie_id: int) -> str:
    """The markup of one tie on the page, up to the next tie."""
    start = page.index(f'id="tie-{tie_id}"')
    following = re.compile(r'<li class="tie[ "]').search(page, start)
    return page[start:following.start() if following else None]


def goal(match: Match, team, minute: int = 10):
    return services.record_event(match_id=match.id, kind="goal", minute=minute, team_id=team.id,
                                 player_id=player(team, 9).id)


# --- the page -------------------------------------------------------------------------------------


def test_the_page_shows_each_leg_the_aggregate_and_the_sentence(client):
    tie, first, second = make_two_legged_tie()
    response = client.get(f"/competitions/{tie.stage.competition_id}/bracket/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="tie-{tie.id}"' in page
    assert "Liverpool lead 2-1 on aggregate" in page
    assert f'href="/matches/{first.id}/"' in page and f'href="/matches/{second.id}/"' in page
    assert f'data-ws-path="/ws/competitions/{tie.stage.competition_id}/bracket/"' in page
    assert "js/bracket.js" in page and "css/bracket.css" in page


def test_the_winner_is_marked_with_how_the_tie_was_decided_and_a_problem_is_said_plainly(client):
    competition = import_season("2024-25-uefa.cl.json")
    page = client.get(f"/competitions/{competition.id}/bracket/").content.decode()
    villa = Tie.objects.get(stage__name="Round of 16", team_b__name="Aston Villa FC")
    villa_markup = tie_markup(page, villa.id)
    assert "Aston Villa win 6-1 on aggregate" in villa_markup and "Decided on aggregate" in villa_markup
    assert villa_markup.count("tie__side--winner") == 1 and "Through" in villa_markup
    # Paris-Liverpool went to a shootout the data lost: no winner, and the page says the tie is undecided.
    paris = Tie.objects.get(stage__name="Round of 16", team_a__name="Paris Saint-Germain FC")
    paris_markup = tie_markup(page, paris.id)
    assert "tie__side--winner" not in paris_markup and "Through" not in paris_markup
    assert "Level 1-1 on aggregate after extra time, penalties" in paris_markup
    # The league phase's feeding positions, final now that every league match was played.
    assert "9/10 v 23/24" in page and "Atalanta BC" in page and "Final league-phase table" in page
    assert "Provisional" not in page


def test_a_tie_the_record_cannot_decide_says_so(client):
    tie, _first, second = make_two_legged_tie(first_leg=(1, 1))
    # A second leg recorded as a draw with no extra time played: the engine refuses to invent a winner.
    services.record_result(match_id=second.id, home_goals=0, away_goals=0)
    page = client.get(f"/competitions/{tie.stage.competition_id}/bracket/").content.decode()
    bracket = client.get(f"/api/competitions/{tie.stage.competition_id}/bracket").json()
    problem = bracket["rounds"][0]["ties"][0]["problem"]
    assert problem
    assert "tie__problem" in page and "The record cannot decide this tie" in page


def test_while_league_matches_are_in_progress_the_projection_is_marked_provisional(client):
    competition, _group, matches = make_league_phase()
    services.record_event(match_id=matches[0].id, kind="period_start")
    page = client.get(f"/competitions/{competition.id}/bracket/").content.decode()
    assert "Provisional" in page and "9/10 v 23/24" in page


def test_an_unknown_competition_is_a_404(client):
    assert client.get("/competitions/999999/bracket/").status_code == 404


def test_the_group_page_of_a_competition_with_knockout_rounds_links_to_its_bracket(client):
    competition = import_season("2024-25-uefa.cl.json")
    group = Group.objects.get(competition=competition)
    assert f'href="/competitions/{competition.id}/bracket/"' in client.get(f"/groups/{group.id}/").content.decode()
    other = make_match()
    assert "/bracket/" not in client.get(f"/groups/{other.group_id}/").content.decode()


def test_the_page_reads_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    competition = import_season("2024-25-uefa.cl.json")
    with django_assert_max_num_queries(16):
        assert client.get(f"/competitions/{competition.id}/bracket/").status_code == 200


# --- what the bracket feed carries ------------------------------------------------------------------


def test_a_goal_in_a_second_leg_publishes_the_tie_once_with_its_new_aggregate(django_capture_on_commit_callbacks):
    tie, first, second = make_two_legged_tie()
    listener = LayerListener(bracket_feed(tie.stage.competition_id))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=second.id, kind="period_start")
        goal(second, second.home)  # Atletico, at home in the second leg
    kicked_off, change = listener.messages()
    assert change["type"] == "change" and (change["match_id"], change["seq"]) == (second.id, 2)
    assert change["part"] == f"tie-{tie.id}" and change["tie"]["aggregate"] == [2, 2]
    assert change["tie"]["state"]["sentence"] == "Level 2-2 on aggregate"
    # The version is the sum of the legs' seqs: what the tie was built from.
    assert change["version"] == Match.objects.get(pk=first.id).seq + 2
    assert f'id="tie-{tie.id}"' in change["html"] and change["html"].count('<span class="tie__goals">2</span>') == 2
    assert "Level 2-2 on aggregate" in change["html"]
    assert kicked_off["seq"] == 1 and kicked_off["version"] < change["version"]


def test_a_league_phase_goal_publishes_where_positions_now_lead(django_capture_on_commit_callbacks):
    competition, group, matches = make_league_phase()
    listener = LayerListener(bracket_feed(competition.id))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=matches[0].id, kind="period_start")
        goal(matches[0], matches[0].away)
    _, change = listener.messages()
    assert change["part"] == "league-phase" and (change["match_id"], change["seq"]) == (matches[0].id, 2)
    projection = change["league_phase"]
    assert projection["provisional"] is True and projection["complete"] is False
    # The away side leads the table: it heads the first round-of-16 pair as it stands.
    assert projection["round_of_16"][0]["seeded"]["teams"][0]["id"] == matches[0].away_id
    assert change["version"] == sum(Match.objects.filter(group=group).values_list("seq", flat=True))
    assert 'id="league-phase"' in change["html"] and "Provisional" in change["html"]


def test_a_group_stage_match_sends_nothing_to_the_bracket_feed(django_capture_on_commit_callbacks):
    match = make_match()
    listener = LayerListener(bracket_feed(match.competition_id))
    match_listener = LayerListener(f"match.{match.id}")
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=match.id, kind="period_start")
    assert listener.messages() == [] and len(match_listener.messages()) == 1


def test_the_snapshot_holds_every_tie_each_legs_seq_and_each_parts_version():
    tie, first, second = make_two_legged_tie()
    competition, _, league_matches = make_league_phase()
    snapshot = messages.bracket_snapshot(tie.stage.competition_id)
    assert snapshot["type"] == "snapshot" and snapshot["bracket"]["rounds"][0]["ties"][0]["id"] == tie.id
    first.refresh_from_db()
    assert snapshot["seqs"] == {str(first.id): first.seq, str(second.id): 0}
    assert snapshot["versions"] == {f"tie-{tie.id}": first.seq}
    assert f'id="tie-{tie.id}"' in snapshot["html"]
    league = messages.bracket_snapshot(competition.id)
    assert set(league["seqs"]) == {str(match.id) for match in league_matches}
    assert league["versions"] == {"league-phase": 0} and 'id="league-phase"' in league["html"]


def test_each_build_of_a_tie_has_a_higher_version_and_holds_every_earlier_change(django_capture_on_commit_callbacks):
    """A client keeps, per part, the highest version: the later build must include what the earlier had."""
    tie, first, second = make_two_legged_tie()
    listener = LayerListener(bracket_feed(tie.stage.competition_id))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=second.id, kind="period_start")
        goal(second, second.home)
        # A correction of the first leg's result while the second is played: another match of the same tie.
        services.record_result(match_id=first.id, home_goals=3, away_goals=1, reason="The first leg's record")
    kicked_off, scored, corrected = listener.messages()
    assert kicked_off["version"] < scored["version"] < corrected["version"]
    assert corrected["match_id"] == first.id and corrected["tie"]["aggregate"] == [3, 2]
    assert corrected["tie"]["state"]["sentence"] == "Liverpool lead 3-2 on aggregate"


def test_a_league_phase_goal_publishes_where_positions_lead_in_each_language(django_capture_on_commit_callbacks):
    competition, _group, matches = make_league_phase(teams=36)
    english, german = LayerListener(bracket_feed(competition.id)), LayerListener(bracket_feed(competition.id, "de"))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=matches[0].id, kind="period_start")
    [english_change], [german_change] = english.messages(), german.messages()
    assert english_change["league_phase"] == german_change["league_phase"]
    assert english_change["version"] == german_change["version"]
    assert "Places 1/2 v winner of 15/16 v 17/18" in english_change["html"]
    assert "Plätze 1/2 gegen den Sieger des Play-offs 15/16 v 17/18" in german_change["html"]
