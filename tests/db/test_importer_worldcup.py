"""Every World Cup file imported: stages, groups, results, goals as events through the services."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string

from events import services, standings
from events.importer_worldcup import parse_world_cup_json
from events.models import EventKind, Match, MatchEvent, Player, Stage
from events.reads import tables
from tests.factories import make_user

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "openfootball-worldcup"
YEARS = sorted(int(path.name[:4]) for path in DATA.glob("*-worldcup.json"))
# The problems the files hold, by edition: (match index, field). Each was checked against the file.
KNOWN_PROBLEMS = {
    # Drawn after extra time and replayed: a match's periods cannot end level after extra time without a
    # shootout, so these keep their result without goal events.
    1934: [(10, "goals (goals)")],
    1938: [(0, "goals (goals)"), (3, "goals (goals)"), (7, "status"), (10, "goals (goals)")],
    # Germany 2-1 Algeria: Djabou's goal at "121".
    2014: [(53, "goals2[0].minute")],
    # England 1-2 Argentina: a goal at "92" in a match without extra time.
    2026: [(101, "goals2[1].minute")],
}


def import_year(year: int):
    data = parse_world_cup_json((DATA / f"{year}-worldcup.json").read_text(encoding="utf-8"))
    return data, services.import_competition(data=data)


@pytest.mark.django_db
@pytest.mark.parametrize("year", YEARS)
def test_every_world_cup_file_imports_and_a_reimport_changes_nothing(year):
    data, summary = import_year(year)
    assert [(p.index, p.field) for p in summary.problems] == KNOWN_PROBLEMS.get(year, [])
    matches = Match.objects.filter(competition=summary.competition)
    assert matches.count() == len(data.fixtures)
    by_index = {f.index: f for f in data.fixtures}
    with_goals = [f for f in data.fixtures if f.goals is not None]
    for fixture in with_goals:
        match = matches.get(round_name=fixture.round_name, home__name=fixture.home, away__name=fixture.away)
        failed = any(p.index == fixture.index and p.field.startswith("goals (") for p in summary.problems)
        goals = match.events.filter(kind__in=[EventKind.GOAL, EventKind.PENALTY_GOAL, EventKind.OWN_GOAL])
        assert goals.count() == (0 if failed else len(fixture.goals))
        assert (match.status, match.home_score, match.away_score) == ("finished", fixture.home_goals,
                                                                       fixture.away_goals)
        assert match.result_only is failed
    assert len(by_index) == len(data.fixtures)
    seqs = dict(matches.values_list("id", "seq"))
    events = MatchEvent.objects.filter(match__competition=summary.competition).count()
    again = services.import_competition(data=data)
    assert (again.matches_created, again.results_recorded, again.skipped_with_events) == (0, 0, 0)
    assert dict(matches.values_list("id", "seq")) == seqs
    assert MatchEvent.objects.filter(match__competition=summary.competition).count() == events


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "stages"),
    [
        (1974, [("First round", "groups", 4), ("Second round", "groups", 2), ("Third-place match", "knockout", 0),
                ("Final", "knockout", 0)]),
        (1982, [("First round", "groups", 6), ("Second round", "groups", 4), ("Semi-finals", "knockout", 0),
                ("Third-place match", "knockout", 0), ("Final", "knockout", 0)]),
        (2026, [("Group stage", "groups", 12), ("Round of 32", "knockout", 0), ("Round of 16", "knockout", 0),
                ("Quarter-finals", "knockout", 0), ("Semi-finals", "knockout", 0),
                ("Third-place match", "knockout", 0), ("Final", "knockout", 0)]),
    ],
)
def test_the_stages_are_the_tournaments_own(year, stages):
    _data, summary = import_year(year)
    stored = Stage.objects.filter(competition=summary.competition).order_by("order")
    assert [(s.name, s.kind, s.groups.count()) for s in stored] == stages
    for stage in stored.filter(kind=Stage.Kind.KNOCKOUT):
        assert stage.legs == 1
        assert all(tie.legs.count() == 1 for tie in stage.ties.all())


@pytest.mark.django_db
def test_the_2022_final_is_a_timeline_of_goals_with_the_shootout_a_result_apart_from_the_score():
    _data, summary = import_year(2022)
    final = Match.objects.get(competition=summary.competition, round_name="Final")
    goals = [
        (e.kind, e.minute, e.period, e.team.name, e.player.name)
        for e in final.events.filter(kind__in=[EventKind.GOAL, EventKind.PENALTY_GOAL]).order_by("id")
    ]
    assert goals == [
        ("penalty_goal", 23, "first_half", "Argentina", "Lionel Messi"),
        ("goal", 36, "first_half", "Argentina", "Ángel Di María"),
        ("penalty_goal", 80, "second_half", "France", "Kylian Mbappé"),
        ("goal", 81, "second_half", "France", "Kylian Mbappé"),
        ("goal", 108, "extra_time_second_half", "Argentina", "Lionel Messi"),
        ("penalty_goal", 118, "extra_time_second_half", "France", "Kylian Mbappé"),
    ]
    assert (final.home_score, final.away_score, final.extra_time_played) == (3, 3, True)
    assert (final.home_extra_time_goals, final.away_extra_time_goals) == (1, 1)
    assert (final.home_penalties, final.away_penalties) == (4, 2)
    assert not final.events.filter(kind=EventKind.SHOOTOUT_KICK).exists()  # no kick made up
    assert final.venue == "Lusail Iconic Stadium, Lusail"
    messi = Player.objects.get(team=final.home, name="Lionel Messi")
    assert (messi.number, messi.short_name) == (None, "Messi")
    # An admin's later correction of an event keeps the shoot-out the record holds as a result.
    di_maria = final.events.get(kind=EventKind.GOAL, minute=36)
    services.amend_event(event_id=di_maria.id, changes={"minute": 35}, reason="Timed at 35:02 in FIFA's report",
                         user=make_user(role="Admins"))
    final.refresh_from_db()
    assert (final.home_penalties, final.away_penalties, final.home_score) == (4, 2, 3)


@pytest.mark.django_db
def test_own_goals_and_added_minutes_are_recorded_as_they_happened():
    _data, summary = import_year(2018)
    final = Match.objects.get(competition=summary.competition, round_name="Final")
    own_goal = final.events.get(kind=EventKind.OWN_GOAL)
    assert (own_goal.minute, own_goal.team.name, own_goal.player.name) == (18, "Croatia", "Mandžukić")
    assert (final.home_score, final.away_score) == (4, 2)
    _data, summary = import_year(2022)
    klaassen = MatchEvent.objects.get(match__competition=summary.competition, player__name="Davy Klaassen")
    assert (klaassen.minute, klaassen.added_minute, klaassen.period) == (90, 9, "second_half")


@pytest.mark.django_db
@pytest.mark.parametrize("year", [1998, 2002, 2006, 2010, 2014, 2018, 2022])
def test_group_tables_from_the_recorded_events_equal_the_tables_of_the_files_scores(year):
    data, summary = import_year(year)
    rules = standings.get_rule_set(summary.competition.rule_set)
    for group in summary.competition.groups.all():
        fixtures = [f for f in data.fixtures if f.group_name == group.name]
        teams = sorted({f.home for f in fixtures} | {f.away for f in fixtures})
        results = [standings.Result(f.home, f.away, f.home_goals, f.away_goals) for f in fixtures]
        expected = [(row.team, row.points, row.goals_for, row.goals_against)
                    for row in standings.compute_table(teams, results, rules).rows]
        stored = tables.group_table(group)["rows"]
        assert [(row["team"]["name"], row["points"], row["goals_for"], row["goals_against"]) for row in stored] \
            == expected, group.name


@pytest.mark.django_db
def test_kick_off_times_are_stored_at_the_right_instant():
    _data, summary = import_year(2026)
    opener = Match.objects.filter(competition=summary.competition).order_by("kickoff").first()
    assert (opener.home.name, opener.kickoff.isoformat()) == ("Mexico", "2026-06-11T19:00:00+00:00")


@pytest.mark.django_db
def test_the_command_imports_a_whole_folder_and_lists_the_problems(tmp_path):
    for year in (1938, 2014):
        (tmp_path / f"{year}-worldcup.json").write_text((DATA / f"{year}-worldcup.json").read_text("utf-8"), "utf-8")
    out = io.StringIO()
    call_command("import_openfootball", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "FIFA World Cup 1938 (fifa-1962): 18 matches imported" in text
    assert "line 632, matches[53], field 'goals2[0].minute': minute 121 is outside a match" in text


@pytest.mark.django_db
def test_a_scorer_without_a_shirt_number_is_shown_as_having_none():
    _data, summary = import_year(1930)
    scorer = Player.objects.filter(team__home_matches__competition=summary.competition).first()
    html = render_to_string("events/_player.html", {"p": scorer, "starter": True, "pitch": {}})
    assert "no number" in html and "None" not in html
