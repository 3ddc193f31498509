"""Results known without events, and whole competitions imported from files."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from live import publish

from .. import periods
from ..importer import CompetitionData, Problem, StageData
from ..models import Change, Competition, Group, Match, Period, Stage, Team, Tie
from ..wording import in_sentence
from . import imported, ties
from .commit import commit_change, lock_match
from .errors import ServiceError
from .rules import can_correct


def record_result(
    *,
    match_id: int,
    home_goals: int,
    away_goals: int,
    extra_time: tuple[int, int] | None = None,
    penalties: tuple[int, int] | None = None,
    user=None,
    reason: str = "",
    announce: bool = True,
) -> Match:
    """Record the final result of a match followed without events (imports, past results, corrections).

    `home_goals`/`away_goals` are the final score, extra time included; `extra_time` says how many of
    them came in extra time (None: there was none), `penalties` the shootout (None: there was none).
    `announce=False` is for batch imports: they send one resync per group at the end
    instead of a table per result.
    """
    for name, value in (("home_goals", home_goals), ("away_goals", away_goals)):
        if value < 0:
            raise ServiceError(gettext("Goals cannot be negative."), code="invalid_score", field=name)
    if extra_time is not None and not (0 <= extra_time[0] <= home_goals and 0 <= extra_time[1] <= away_goals):
        raise ServiceError(
            gettext("Extra-time goals are part of the final score."), code="invalid_score", field="extra_time",
        )
    if penalties is not None and (min(penalties) < 0 or penalties[0] == penalties[1]):
        raise ServiceError(gettext("A shootout has a winner."), code="invalid_score", field="penalties")
    with transaction.atomic():
        match = lock_match(match_id)
        if match.events.exists():
            raise ServiceError(
                gettext("This match has events; its score comes from them."), code="has_events", status=409,
            )
        if (extra_time is not None or penalties is not None) and not match.extra_time_possible:
            raise ServiceError(gettext("This match cannot go to extra time or penalties."), code="no_extra_time",
                               field="extra_time" if extra_time is not None else "penalties")
        recorded = (
            True,
            Match.Status.FINISHED,
            home_goals,
            away_goals,
            extra_time is not None,
            extra_time or (0, 0),
            penalties or (None, None),
        )
        if recorded == (
            match.result_only,
            match.status,
            match.home_score,
            match.away_score,
            match.extra_time_played,
            (match.home_extra_time_goals, match.away_extra_time_goals),
            (match.home_penalties, match.away_penalties),
        ):
            return match
        before = _result_dict(match) if match.result_only else None
        match.result_only = True
        match.status = Match.Status.FINISHED
        match.period = Period.FULL_TIME
        match.home_score, match.away_score = home_goals, away_goals
        match.extra_time_played = extra_time is not None
        match.home_extra_time_goals, match.away_extra_time_goals = extra_time or (0, 0)
        match.home_penalties, match.away_penalties = penalties or (None, None)
        commit_change(match, op=Change.Op.RESULT, event=None, before=before, user=user, reason=reason,
                      derive=False, announce=announce)
        return match


# The periods a score alone can be posted in: the halves, the breaks between them, full time. A shootout
# is kick by kick (events) or a recorded result (record_result), never a running score.
SCORE_PERIODS = tuple(
    period for period in periods.ORDER if period not in (Period.PRE_MATCH, Period.BEFORE_PENALTIES, Period.PENALTIES)
)
# After 90 minutes, before full time: only for a match that can go to extra time.
AFTER_90 = (Period.BEFORE_EXTRA_TIME, Period.EXTRA_TIME_FIRST_HALF, Period.EXTRA_TIME_HALF_TIME,
            Period.EXTRA_TIME_SECOND_HALF)


def record_score(
    *,
    match_id: int,
    home_goals: int,
    away_goals: int,
    period: str,
    user=None,
    reason: str = "",
) -> Match:
    """The score of a match followed without events, as it stands in `period` (a newsroom with the score
    only, or a replay of data that holds half-time and full-time scores but no goal minutes).

    Moves the match live (finished at `full_time`), starts the period's clock when a half starts, and
    pushes one change like any other. Goals after 90 minutes are extra-time goals. Refused: a match with
    events (its score comes from them), a period earlier than the match's, full time while the tie (or
    match) is level with extra time or penalties to come, and a finished match unless an admin corrects
    it with a reason. The same score in the same period again changes nothing.
    """
    for name, value in (("home_goals", home_goals), ("away_goals", away_goals)):
        if value < 0:
            raise ServiceError(gettext("Goals cannot be negative."), code="invalid_score", field=name)
    if period not in SCORE_PERIODS:
        raise ServiceError(
            gettext("A score is posted in one of: %(periods)s.") % {"periods": ", ".join(SCORE_PERIODS)},
            code="invalid_period", field="period",
        )
    with transaction.atomic():
        match = lock_match(match_id)
        if match.events.exists():
            raise ServiceError(
                gettext("This match has events; its score comes from them."), code="has_events", status=409,
            )
        if period in AFTER_90 and not match.extra_time_possible:
            raise ServiceError(gettext("This match cannot go to extra time."), code="no_extra_time", field="period")
        # Before the finished check: a client's retry of the final score is answered, not refused.
        if match.result_only and (match.period, match.home_score, match.away_score) == (period, home_goals, away_goals):
            return match
        if match.status == Match.Status.FINISHED:
            if user is None or not can_correct(user):
                raise ServiceError(gettext("The match is finished; only an admin can correct it."),
                                   code="match_finished", status=403)
            if not reason.strip():
                raise ServiceError(gettext("A correction to a finished match needs a reason."), code="required",
                                   field="reason")
        if periods.rank(period) < periods.rank(match.period):
            raise ServiceError(
                gettext("The match is already at %(now)s: a period cannot go backwards.")
                % {"now": in_sentence(match.get_period_display())},
                code="period_backwards", field="period", status=409,
            )
        extra_time = _extra_time_goals(match, period, home_goals, away_goals)
        if period == Period.FULL_TIME and _level_with_more_to_play(match, home_goals, away_goals, extra_time):
            raise ServiceError(
                gettext("Level with extra time or penalties to come: the match is not over. Post the next period, "
                        "or its final result with its shootout."),
                code="extra_time_due", field="period",
            )
        before = _score_dict(match) if match.result_only else None
        if period != match.period:
            # A half starting starts its clock; a break stops it.
            match.period_started_at = timezone.now() if periods.is_timed(period) else None
            match.announced_added_time = None
        match.result_only = True
        match.period = period
        match.status = Match.Status.FINISHED if period == Period.FULL_TIME else Match.Status.LIVE
        match.home_score, match.away_score = home_goals, away_goals
        match.extra_time_played = extra_time is not None
        match.home_extra_time_goals, match.away_extra_time_goals = extra_time or (0, 0)
        commit_change(match, op=Change.Op.RESULT, event=None, before=before, user=user, reason=reason, derive=False)
        return match


def _extra_time_goals(match: Match, period: str, home_goals: int, away_goals: int) -> tuple[int, int] | None:
    """Of the score, the goals of extra time (None before it): whatever came after the score at 90 minutes."""
    into_extra_time = (period in AFTER_90 and period != Period.BEFORE_EXTRA_TIME) or (
        period == Period.FULL_TIME and match.extra_time_played
    )
    if not into_extra_time:
        return None
    if match.extra_time_played:
        regular = (match.home_score - match.home_extra_time_goals, match.away_score - match.away_extra_time_goals)
    else:
        regular = (match.home_score, match.away_score)
    for name, goals, at_90 in (("home_goals", home_goals, regular[0]), ("away_goals", away_goals, regular[1])):
        if goals < at_90:
            raise ServiceError(gettext("Below the score after 90 minutes (%(home)s-%(away)s).")
                               % {"home": regular[0], "away": regular[1]},
                               code="invalid_score", field=name)
    return home_goals - regular[0], away_goals - regular[1]


def _level_with_more_to_play(match: Match, home_goals: int, away_goals: int, extra_time) -> bool:
    if not match.extra_time_possible:
        return False
    extra = extra_time or (0, 0)
    ending = Period.EXTRA_TIME_SECOND_HALF if extra_time is not None else Period.SECOND_HALF
    level = ties.tie_level_after(
        match, ending, regular=(home_goals - extra[0], away_goals - extra[1]), extra_time=extra_time
    )
    return home_goals == away_goals if level is None else level


def _score_dict(match: Match) -> dict:
    """A posted score as the change log keeps it (what the next one replaced)."""
    return {"home_goals": match.home_score, "away_goals": match.away_score, "period": match.period}


def _result_dict(match: Match) -> dict:
    """A recorded result as the change log keeps it (what a correction replaced)."""
    return {
        "home_goals": match.home_score,
        "away_goals": match.away_score,
        "extra_time": [match.home_extra_time_goals, match.away_extra_time_goals] if match.extra_time_played else None,
        "penalties": [match.home_penalties, match.away_penalties] if match.home_penalties is not None else None,
    }


@dataclass(frozen=True)
class ImportSummary:
    competition: Competition
    matches_created: int
    results_recorded: int
    skipped_with_events: int
    problems: tuple[Problem, ...] = ()


def import_competition(*, data: CompetitionData) -> ImportSummary:
    """Store an imported competition: stages, groups, teams, fixtures, ties and results.

    Running it again changes nothing. One transaction: a file that fails half-way leaves
    nothing behind. Matches followed live (they have events) keep their events' score.
    """
    with transaction.atomic():
        competition, created = Competition.objects.get_or_create(
            name=data.name, season=data.season, defaults={"rule_set": data.rule_set}
        )
        if not created and competition.rule_set != data.rule_set:
            competition.rule_set = data.rule_set
            competition.save(update_fields=["rule_set"])
        stages = {stage.name: _stage(competition, stage) for stage in data.stages}
        groups: dict[str, Group] = {}
        teams: dict[str, Team] = {}
        created_count = recorded = skipped = 0
        problems: list[Problem] = []  # found while storing (goals the services refused)
        changed_matches: list[Match] = []
        matches: dict[tuple[str, str, str], Match] = {}
        for fixture in data.fixtures:
            stage = stages.get(fixture.stage_name)
            group = None
            if fixture.group_name:
                if fixture.group_name not in groups:
                    groups[fixture.group_name], _ = Group.objects.get_or_create(
                        competition=competition, name=fixture.group_name, defaults={"stage": stage}
                    )
                    if groups[fixture.group_name].stage_id is None and stage is not None:
                        groups[fixture.group_name].stage = stage
                        groups[fixture.group_name].save(update_fields=["stage"])
                group = groups[fixture.group_name]
            home = teams.get(fixture.home) or _imported_team(fixture.home, fixture.home_country)
            away = teams.get(fixture.away) or _imported_team(fixture.away, fixture.away_country)
            teams[fixture.home], teams[fixture.away] = home, away
            match, match_created = Match.objects.get_or_create(
                competition=competition,
                round_name=fixture.round_name,
                home=home,
                away=away,
                defaults={
                    "group": group,
                    "matchday": fixture.matchday,
                    "kickoff": fixture.kickoff,
                    "venue": fixture.venue,
                    # Group matches never go to extra time, except where the record says they did (1954).
                    "extra_time_possible": group is None or fixture.extra_time_played,
                },
            )
            matches[(fixture.round_name, fixture.home, fixture.away)] = match
            created_count += match_created
            if not fixture.played:
                continue
            if match.events.exists():
                # Its events were recorded from this record before, or it was followed live: kept as they are.
                skipped += not imported.same_result(match, fixture)
                continue
            if fixture.goals is not None:
                problem = imported.record_imported_goals(match=match, fixture=fixture)
                if problem is None:
                    recorded += 1
                    changed_matches.append(match)
                    continue
                problems.append(problem)
            seq_before = match.seq
            record_result(
                match_id=match.id,
                home_goals=fixture.home_goals,
                away_goals=fixture.away_goals,
                extra_time=(fixture.home_extra_time_goals, fixture.away_extra_time_goals)
                if fixture.extra_time_played
                else None,
                penalties=(fixture.home_penalties, fixture.away_penalties)
                if fixture.home_penalties is not None
                else None,
                announce=False,
            )
            changed = Match.objects.filter(pk=match.id, seq__gt=seq_before).exists()
            recorded += changed
            if changed:
                changed_matches.append(match)
        _store_ties(data, stages, matches)
        _number_group_matchdays(groups.values())
        transaction.on_commit(lambda: publish.publish_resync(changed_matches))
        problems = sorted([*data.problems, *problems], key=lambda problem: (problem.line, problem.field))
        return ImportSummary(competition, created_count, recorded, skipped, tuple(problems))


def _stage(competition: Competition, data: StageData) -> Stage:
    stage, _ = Stage.objects.update_or_create(
        competition=competition,
        name=data.name,
        defaults={"kind": data.kind, "order": data.order, "legs": data.legs, "rule_set": data.rule_set},
    )
    return stage


def _store_ties(data: CompetitionData, stages: dict[str, Stage], matches: dict[tuple[str, str, str], Match]) -> None:
    """Each tie's legs (a tie whose legs were not all imported is left out), numbered in file order."""
    numbers: dict[str, int] = {}
    for tie_data in data.ties:
        legs = [matches.get(key) for key in tie_data.legs]
        if None in legs:
            continue
        stage = stages[tie_data.stage_name]
        numbers[stage.name] = numbers.get(stage.name, 0) + 1
        tie, _ = Tie.objects.get_or_create(
            stage=stage,
            team_a=legs[0].home,
            team_b=legs[0].away,
            defaults={"number": _free_number(stage, numbers[stage.name])},
        )
        for leg_number, match in enumerate(legs, start=1):
            # Only a tie's last leg can go to extra time and penalties.
            deciding = leg_number == len(legs)
            if (match.tie_id, match.leg, match.extra_time_possible) != (tie.id, leg_number, deciding):
                Match.objects.filter(pk=match.pk).update(tie=tie, leg=leg_number, extra_time_possible=deciding)


def _free_number(stage: Stage, wanted: int) -> int:
    taken = set(stage.ties.values_list("number", flat=True))
    number = wanted
    while number in taken:
        number += 1
    return number


def _imported_team(name: str, country: str) -> Team:
    short_name = name.removesuffix(" FC").removeprefix("FC ").removeprefix("AFC ").strip() or name
    letters = "".join(ch for ch in short_name.upper() if ch.isalpha())
    team, _ = Team.objects.get_or_create(
        name=name, defaults={"short_name": short_name, "code": letters[:3] or "TBD", "country": country}
    )
    return team


def _number_group_matchdays(groups) -> None:
    """Group rounds carry no matchday in the files: number them by date, two matches a day."""
    for group in groups:
        matches = list(group.matches.filter(matchday__isnull=True).order_by("kickoff", "id"))
        dates = sorted({match.kickoff.date() for match in group.matches.all()})
        for match in matches:
            match.matchday = dates.index(match.kickoff.date()) + 1
            match.save(update_fields=["matchday"])
