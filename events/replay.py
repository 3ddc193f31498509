"""Replaying a recorded match (an imported World Cup match, say) from its record, at a chosen speed.

The record is read first (its periods, goals and shootout result), the match is taken back to kick-off,
then each step goes through the write path again when the match clock reaches its minute, paced like the
demo replay (events/demo.py's timeline: compressed minutes, a break between periods). A shootout known by
its result only arrives as that result, after its start: no kick is made up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from . import demo, periods, services
from .demo_data import ScriptedEvent
from .importer import FixtureData
from .models import GOAL_KINDS, EventKind, Match, MatchEvent, Period
from .services.imported import record_shootout_result, scorer

SHOOTOUT_RESULT = "shootout_result"


@dataclass(frozen=True)
class Step:
    kind: str
    minute: int = 0
    added_minute: int | None = None
    period: str = ""
    team_id: int | None = None
    player_id: int | None = None
    player_name: str = ""
    # The shootout's result (home, away), for the SHOOTOUT_RESULT step.
    penalties: tuple[int, int] | None = None

    @property
    def timed(self) -> bool:
        return self.kind not in (SHOOTOUT_RESULT,) and self.period != Period.PENALTIES

    def scripted(self) -> ScriptedEvent:
        """The step as demo.timeline paces it."""
        return ScriptedEvent(kind=self.kind, minute=self.minute, added_minute=self.added_minute)


def script_of(match: Match) -> list[Step]:
    """The match's record, in the order it happened: periods, goals, and the shootout's result."""
    events = (
        MatchEvent.objects.filter(match=match, state=MatchEvent.State.ACTIVE)
        .exclude(kind=EventKind.SHOOTOUT_KICK)
        .select_related("player")
        .order_by("id")
    )
    steps = [
        Step(
            kind=event.kind,
            minute=event.minute,
            added_minute=event.added_minute,
            period=event.period,
            team_id=event.team_id,
            player_id=event.player_id,
            player_name=event.player.name if event.player_id else "",
        )
        for event in events
        if event.kind in GOAL_KINDS or event.kind in (EventKind.PERIOD_START, EventKind.PERIOD_END)
    ]
    shootout_started = any(s.kind == EventKind.PERIOD_START and s.period == Period.PENALTIES for s in steps)
    if shootout_started and match.home_penalties is not None:
        # The recorded result ends the shootout (and the match): the period's end comes with it.
        steps = [s for s in steps if not (s.kind == EventKind.PERIOD_END and s.period == Period.PENALTIES)]
        steps.append(Step(kind=SHOOTOUT_RESULT, minute=120, period=Period.PENALTIES,
                          penalties=(match.home_penalties, match.away_penalties)))
    return steps


def script_from_record(match: Match, fixture: FixtureData) -> list[Step]:
    """A match's script from the file's record of it (the match not played yet, or reset): its periods, the
    goals of each at their minutes by the scorers named (added to their team when new, as the import does),
    extra time when it was played, and the shootout's result. The same steps script_of reads back from a
    match whose record was imported."""
    teams = {True: match.home_id, False: match.away_id}
    played = [Period.FIRST_HALF, Period.SECOND_HALF]
    if fixture.extra_time_played:
        played += [Period.EXTRA_TIME_FIRST_HALF, Period.EXTRA_TIME_SECOND_HALF]
    steps = []
    for period in played:
        steps.append(Step(kind=EventKind.PERIOD_START, minute=periods.start_minute(period), period=period))
        in_period = [goal for goal in fixture.goals or () if periods.period_of_minute(goal.minute) == period]
        for goal in in_period:
            team_id = teams[goal.scorer_is_home]
            player = scorer(team_id=team_id, name=goal.scorer)
            steps.append(Step(kind=goal.kind, minute=goal.minute, added_minute=goal.added_minute, period=period,
                              team_id=team_id, player_id=player.id, player_name=player.name))
        end = periods.end_minute(period)
        added = max((goal.added_minute or 0 for goal in in_period if goal.minute == end), default=0)
        steps.append(Step(kind=EventKind.PERIOD_END, minute=end, added_minute=added or None, period=period))
    if fixture.home_penalties is not None:
        steps.append(Step(kind=EventKind.PERIOD_START, minute=periods.start_minute(Period.PENALTIES),
                          period=Period.PENALTIES))
        steps.append(Step(kind=SHOOTOUT_RESULT, minute=120, period=Period.PENALTIES,
                          penalties=(fixture.home_penalties, fixture.away_penalties)))
    return steps


def payload_of(step: Step, key: str) -> dict:
    """The step as the API's event payload."""
    if step.kind in (EventKind.PERIOD_START, EventKind.PERIOD_END):
        payload = {"kind": step.kind, "period": step.period}
        if step.kind == EventKind.PERIOD_END and step.added_minute:
            payload["added_minute"] = step.added_minute
    else:
        payload = {"kind": step.kind, "minute": step.minute, "added_minute": step.added_minute,
                   "team": step.team_id, "player": step.player_id}
    return {**payload, "idempotency_key": key}


def play(
    match: Match,
    script: list[Step],
    *,
    submit: Callable[[Match, dict], int] | None = None,
    submit_shootout: Callable[[Match, tuple[int, int]], None] | None = None,
    speed: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    played: Callable[[Step], None] | None = None,
) -> None:
    """Play the script at `speed` (match minutes per real minute; None: at once), through `submit` and
    `submit_shootout` (the API) or the services."""
    if speed:
        services.set_clock_speed(match_id=match.id, speed=speed)
    cues = demo.timeline([step.scripted() for step in script], speed=speed or demo.ORDERING_SPEED)
    started = clock()
    for cue in cues:
        if speed:
            sleep(max(0.0, cue.seconds - (clock() - started)))
        step = script[cue.step]
        play_step(match, step, submit=submit, submit_shootout=submit_shootout)
        if played:
            played(step)


def play_step(match: Match, step: Step, *, submit: Callable[[Match, dict], int] | None = None,
              submit_shootout: Callable[[Match, tuple[int, int]], None] | None = None) -> None:
    """One step through the API (`submit`, `submit_shootout`) or the services. Its idempotency key names the
    match's state before it, so a retried post is recorded once."""
    if step.kind == SHOOTOUT_RESULT:
        (submit_shootout or _record_shootout_directly)(match, step.penalties)
    else:
        match.refresh_from_db(fields=["seq"])
        (submit or _record_directly)(match, payload_of(step, f"replay-{match.id}-{match.seq}"))


def narration(match: Match, step: Step) -> str:
    """One console line about a step just played, `match` as it stands after it."""
    home, away = match.home.short_name, match.away.short_name
    score = f"{home} {match.home_score}-{match.away_score} {away}"
    if step.kind == SHOOTOUT_RESULT:
        winner = home if step.penalties[0] > step.penalties[1] else away
        return f"{winner} win the shootout {max(step.penalties)}-{min(step.penalties)}. {score}."
    if step.kind == EventKind.PERIOD_START:
        if step.period == Period.PENALTIES:
            return f"Penalties: {score}."
        return f"Kick-off: {home} v {away}." if step.minute == 0 else f"{Period(step.period).label} under way: {score}."
    if step.kind == EventKind.PERIOD_END:
        if step.period == Period.SECOND_HALF and match.period == Period.BEFORE_EXTRA_TIME:
            return f"End of the 90 minutes, extra time to come: {score}."
        return f"{demo.PERIOD_ENDS.get(periods.end_minute(step.period), 'End of the period')}: {score}."
    team = home if step.team_id == match.home_id else away
    how = {EventKind.PENALTY_GOAL: " (penalty)", EventKind.OWN_GOAL: f" (own goal, {team})"}.get(step.kind, "")
    scored_for = team if step.kind != EventKind.OWN_GOAL else (away if team == home else home)
    return f"GOAL for {scored_for}: {step.player_name}{how}. {score}."


def _record_shootout_directly(match: Match, penalties: tuple[int, int]) -> None:
    record_shootout_result(match_id=match.id, home=penalties[0], away=penalties[1])


def _record_directly(match: Match, payload: dict) -> int:
    result = services.record_event(
        match_id=match.id,
        kind=payload["kind"],
        minute=payload.get("minute"),
        added_minute=payload.get("added_minute"),
        period=payload.get("period"),
        team_id=payload.get("team"),
        player_id=payload.get("player"),
        idempotency_key=payload["idempotency_key"],
    )
    return result.event.id
