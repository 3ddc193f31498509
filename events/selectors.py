"""Reads: the JSON-ready shapes of matches, events, groups and tables.

The live protocol, the API and the pages all use these dicts, so a fan's page,
a replayed change and a third-party client see the same facts.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.db.models import Prefetch, Q
from django.utils import timezone

from . import fragments, periods, scenarios, standings
from .models import (
    GOAL_KINDS,
    Change,
    EventKind,
    Group,
    LineupEntry,
    Match,
    MatchEvent,
    Period,
    Team,
)
from .pitch import SideState, event_time, pitch_state

logger = logging.getLogger(__name__)

# Past this many missed changes a fresh snapshot is cheaper than the replay.
MAX_REPLAYED_CHANGES = 500

EVENT_RELATED = ("team", "player", "second_player")

# UEFA disciplinary points: a second yellow counts as the red it brings.
DISCIPLINARY_POINTS = {EventKind.YELLOW_CARD: 1, EventKind.SECOND_YELLOW: 3, EventKind.RED_CARD: 3}


def team_dict(team: Team) -> dict:
    return {
        "id": team.id,
        "name": team.name,
        "short_name": team.short_name,
        "code": team.code,
        "primary_colour": team.primary_colour,
        "secondary_colour": team.secondary_colour,
    }


def player_dict(player) -> dict | None:
    if player is None:
        return None
    return {"id": player.id, "name": player.name, "short_name": player.short_name, "number": player.number}


def minute_label(minute: int, added_minute: int | None) -> str:
    return f"{minute}+{added_minute}'" if added_minute else f"{minute}'"


def event_dict(event: MatchEvent) -> dict:
    is_added_time = event.kind == EventKind.ADDED_TIME
    return {
        "id": event.id,
        "match_id": event.match_id,
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "period": event.period,
        "period_label": Period(event.period).label,
        "minute": event.minute,
        "added_minute": event.added_minute,
        "minute_label": minute_label(event.minute, None if is_added_time else event.added_minute),
        "team": team_dict(event.team) if event.team_id else None,
        "player": player_dict(event.player),
        "second_player": player_dict(event.second_player),
        "goal_type": event.goal_type,
        "injury": event.injury,
        "reviewed_event": event.reviewed_event_id,
        "var_category": event.var_category,
        "var_category_label": event.get_var_category_display() if event.var_category else "",
        "var_outcome": event.var_outcome,
        "var_outcome_label": event.get_var_outcome_display() if event.var_outcome else "",
        "var_reason": event.var_reason,
        "decision_reason": event.decision_reason,
        "decision_reason_label": event.get_decision_reason_display() if event.decision_reason else "",
        "commentary": event.commentary,
        "state": event.state,
        "state_reason": event.state_reason,
        "version": event.version,
        "is_goal": event.kind in GOAL_KINDS,
        "created_at": event.created_at.isoformat() if event.created_at else None,
    }


def match_state(match: Match) -> dict:
    """What changes during a match: score, period, clock. Small, sent with every change."""
    clock_start, added_from = periods.clock(match.period)
    return {
        "id": match.id,
        "seq": match.seq,
        "status": match.status,
        "status_label": match.get_status_display(),
        "period": match.period,
        "period_label": match.get_period_display(),
        "home_score": match.home_score,
        "away_score": match.away_score,
        "clock": {
            "running": clock_start is not None and match.period_started_at is not None,
            "period_started_at": match.period_started_at.isoformat() if match.period_started_at else None,
            "start_minute": clock_start,
            "added_time_from": added_from,
            "speed": match.clock_speed,
            "announced_added_time": match.announced_added_time,
        },
    }


def match_state_with_pitch(match: Match, active: list[MatchEvent] | None = None) -> dict:
    """The match state plus who is on the pitch and on the bench, per side.

    Stored with each change, so that consoles can offer only the players an
    event may name, on replay as well as live. `active`: the match's active events, when the caller
    has them already.
    """
    lineup = list(LineupEntry.objects.filter(match=match).values_list("team_id", "player_id", "starter"))
    if active is None:
        active = list(MatchEvent.objects.filter(match=match, state=MatchEvent.State.ACTIVE))
    sides = pitch_state(lineup, active)
    empty = SideState()
    return {
        **match_state(match),
        "var": review_in_progress(active),
        "pitch": {
            "home": sides.get(match.home_id, empty).to_dict(),
            "away": sides.get(match.away_id, empty).to_dict(),
        },
    }


def review_in_progress(active_events: list[MatchEvent]) -> dict | None:
    """The VAR check fans should see on the score header, if one is under way."""
    under_way = (MatchEvent.VarOutcome.IN_PROGRESS, MatchEvent.VarOutcome.ON_FIELD_REVIEW)
    checks = [e for e in active_events if e.kind == EventKind.VAR_CHECK and e.var_outcome in under_way]
    if not checks:
        return None
    check = max(checks, key=lambda e: e.id)
    return {
        "check": check.id,
        "category": check.var_category,
        "category_label": check.get_var_category_display(),
        "outcome": check.var_outcome,
        "outcome_label": check.get_var_outcome_display(),
        "var_reason": check.var_reason,
        "reviewed_event": check.reviewed_event_id,
    }


def match_summary(match: Match) -> dict:
    """A match as listed: teams, kick-off, where it belongs, and its state."""
    return {
        **match_state(match),
        "home": team_dict(match.home),
        "away": team_dict(match.away),
        "kickoff": match.kickoff.isoformat(),
        "venue": match.venue,
        "matchday": match.matchday,
        "round": match.round_name,
        "competition": {"id": match.competition_id, "name": str(match.competition)},
        "group": {"id": match.group_id, "name": match.group.name} if match.group_id else None,
    }


def matches_queryset():
    return Match.objects.select_related("home", "away", "competition", "group")


def get_match(match_id: int) -> Match:
    return matches_queryset().get(pk=match_id)


def list_matches(status: str | None = None, limit: int = 200) -> list[Match]:
    queryset = matches_queryset()
    if status:
        queryset = queryset.filter(status=status)
    if status == Match.Status.FINISHED:
        queryset = queryset.order_by("-kickoff", "-id")
    return list(queryset[:limit])


def match_events(match_id: int) -> list[MatchEvent]:
    """Every event of a match, removed and disallowed ones included: fans see them struck out."""
    events = MatchEvent.objects.filter(match_id=match_id).select_related(*EVENT_RELATED)
    return sorted(events, key=event_time)


def lineups(match: Match) -> dict:
    entries = LineupEntry.objects.filter(match=match).select_related("player").order_by("-starter", "order")
    sides = {"home": {"starting": [], "bench": []}, "away": {"starting": [], "bench": []}}
    for entry in entries:
        side = "home" if entry.team_id == match.home_id else "away"
        sides[side]["starting" if entry.starter else "bench"].append(
            {**player_dict(entry.player), "position": entry.player.position}
        )
    return sides


def match_snapshot(match_id: int) -> dict:
    """Everything a fresh page or client needs, stamped with the match's current seq."""
    match = get_match(match_id)
    events = [event_dict(event) for event in match_events(match_id)]
    table = group_table(match.group) if match.group_id else None
    history = match_history(match_id)
    return {
        "type": "snapshot",
        "seq": match.seq,
        "match": {**match_summary(match), **match_state_with_pitch(match)},
        "events": events,
        "lineups": lineups(match),
        "table": table,
        "history": history,
        "html": {
            "timeline": fragments.timeline_html(events),
            "table": fragments.table_html(table) if table else None,
            "history": fragments.history_html(history),
        },
        "server_time": timezone.now().isoformat(),
    }


def change_message(change: Change) -> dict:
    """One change as the live protocol carries it (without table and markup)."""
    return {
        "type": "change",
        "match_id": change.match_id,
        "seq": change.seq,
        "op": change.op,
        "event": change.after if change.after is not None else change.before,
        "previous": change.before,
        "related": change.related,
        "match": change.match_state,
        "reason": change.reason,
        "history_entry": history_entry(change, user_role(change.user)),
        "at": change.created_at.isoformat(),
    }


def changes_since(match_id: int, since: int) -> list[dict] | None:
    """The changes after `since`, or None when a snapshot is needed instead.

    None for an unknown future seq (the client is from another database, or the
    match was reloaded) or when more changes were missed than are worth replaying.
    """
    current_seq = Match.objects.filter(pk=match_id).values_list("seq", flat=True).first()
    if current_seq is None or since < 0 or since > current_seq:
        return None
    if current_seq - since > MAX_REPLAYED_CHANGES:
        return None
    changes = list(changes_after(match_id, since))
    # A reset for a replay clears the log; a client from before it needs a snapshot.
    if len(changes) != current_seq - since:
        return None
    return [change_message(change) for change in changes]


def changes_after(match_id: int, since: int, limit: int | None = None):
    changes = Change.objects.filter(match_id=match_id, seq__gt=since).order_by("seq")
    return changes[:limit] if limit else changes


Scores = dict[int, tuple[int, int]]


def group_results(
    group: Group, hypothetical: Scores | None = None
) -> tuple[list[Team], list[standings.Result], dict[int, int] | None]:
    """Teams, results (live ones at their current score) and disciplinary points of a group.

    `hypothetical` maps match ids to final scores that replace whatever is known (the predictor).
    """
    matches = list(group.matches.select_related("home", "away"))
    teams: dict[int, Team] = {}
    results = []
    hypothetical = hypothetical or {}
    for match in matches:
        teams[match.home_id] = match.home
        teams[match.away_id] = match.away
        if match.id in hypothetical:
            home_goals, away_goals = hypothetical[match.id]
            results.append(standings.Result(match.home_id, match.away_id, home_goals, away_goals))
        elif match.status in (Match.Status.FINISHED, Match.Status.LIVE):
            results.append(
                standings.Result(
                    home=match.home_id,
                    away=match.away_id,
                    home_goals=match.home_score,
                    away_goals=match.away_score,
                    finished=match.status == Match.Status.FINISHED,
                )
            )
    return list(teams.values()), results, group_disciplinary_points(matches)


def group_disciplinary_points(matches: list[Match]) -> dict[int, int] | None:
    """Disciplinary points from recorded cards, or None where some played match has no events.

    A result known without its events would count as a clean sheet of cards;
    better to let the engine say the criterion cannot be decided.
    """
    played = [m for m in matches if m.status in (Match.Status.FINISHED, Match.Status.LIVE)]
    if not played or any(m.result_only for m in played):
        return None
    points = {team_id: 0 for m in matches for team_id in (m.home_id, m.away_id)}
    cards = MatchEvent.objects.filter(
        match__in=played, state=MatchEvent.State.ACTIVE, kind__in=list(DISCIPLINARY_POINTS)
    ).values_list("team_id", "kind")
    for team_id, kind in cards:
        points[team_id] = points.get(team_id, 0) + DISCIPLINARY_POINTS[kind]
    return points


def group_table(group: Group, hypothetical: Scores | None = None) -> dict:
    teams, results, disciplinary = group_results(group, hypothetical)
    table = standings.compute_table(
        [team.id for team in teams],
        results,
        group.competition.rule_set,
        disciplinary_points=disciplinary,
    )
    teams_by_id = {team.id: team for team in teams}
    rows = []
    for row in table.rows:
        data = row.to_dict()
        data["team"] = team_dict(teams_by_id[row.team])
        rows.append(data)
    return {
        "group": {"id": group.id, "name": group.name},
        "provisional": table.provisional,
        "hypothetical": bool(hypothetical),
        "rule_set": {"name": table.rule_set.name, "label": table.rule_set.label},
        "rows": rows,
    }


def group_scenarios(group: Group, hypothetical: Scores | None = None) -> dict:
    """Who can still finish where, and what it depends on, under the group's rule set.

    Cached per state of the group (the seqs of its matches, plus any hypothetical scores):
    every open matchday page asks again after each change, and the answer is the same.
    """
    hypothetical = hypothetical or {}
    matches = list(group.matches.select_related("home", "away").order_by("id"))
    state = ",".join(f"{m.id}:{m.seq}" for m in matches) + "|" + ",".join(
        f"{k}:{h}-{a}" for k, (h, a) in sorted(hypothetical.items()))
    key = "scenarios:" + hashlib.sha256(f"{group.id}|{group.competition.rule_set}|{state}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    teams, results, disciplinary = group_results(group, hypothetical)
    remaining = [
        scenarios.Fixture(m.id, m.home_id, m.away_id)
        for m in matches if m.id not in hypothetical and m.status != Match.Status.FINISHED
    ]
    names = {team.id: team.short_name for team in teams}
    answer = {"group": {"id": group.id, "name": group.name}, "remaining": len(remaining), "teams": [],
              "available": True, "detail": "", "hypothetical": bool(hypothetical)}
    if remaining:
        try:
            found = scenarios.scenarios([t.id for t in teams], results, remaining, group.competition.rule_set,
                                        names=names, disciplinary_points=disciplinary)
        except ValueError as error:
            answer.update(available=False, detail=str(error))
            found = []
        teams_by_id = {team.id: team for team in teams}
        by_team: dict[int, dict] = {}
        for scenario in found:
            entry = by_team.setdefault(scenario.team, {"team": team_dict(teams_by_id[scenario.team]), "lines": []})
            entry["lines"].append(scenario.to_dict())
        answer["teams"] = list(by_team.values())
    try:
        cache.set(key, answer, 300)
    except Exception:
        logger.warning("Scenarios not cached: the cache is unavailable", exc_info=True)
    return answer


def get_group(group_id: int) -> Group:
    return Group.objects.select_related("competition").get(pk=group_id)


def group_detail(group: Group) -> dict:
    matches = list(matches_queryset().filter(group=group).order_by("kickoff", "id"))
    teams = {}
    for match in matches:
        teams.setdefault(match.home_id, team_dict(match.home))
        teams.setdefault(match.away_id, team_dict(match.away))
    return {
        "id": group.id,
        "name": group.name,
        "competition": {"id": group.competition_id, "name": str(group.competition)},
        "teams": list(teams.values()),
        "matches": [match_summary(match) for match in matches],
        "table": group_table(group),
    }


def table_positions_before(group: Group, matchday: int) -> dict[int, int]:
    """Each team's position with only the matchdays before `matchday` counted: what the arrows move from."""
    teams, _results, _disciplinary = group_results(group)
    earlier = group.matches.filter(matchday__lt=matchday, status=Match.Status.FINISHED)
    results = [standings.Result(m.home_id, m.away_id, m.home_score, m.away_score) for m in earlier]
    table = standings.compute_table([team.id for team in teams], results, group.competition.rule_set)
    return {row.team: row.position for row in table.rows}


LATEST_EVENTS_PER_MATCH = 5


def matchday_snapshot(group_id: int, matchday: int) -> dict:
    """Every match of one matchday side by side, and the table they make together."""
    group = get_group(group_id)
    matches = list(matches_queryset().filter(group=group, matchday=matchday).order_by("kickoff", "id"))
    if not matches:
        raise Match.DoesNotExist(f"No matchday {matchday} in {group}")
    events = MatchEvent.objects.filter(match__in=matches).select_related(*EVENT_RELATED)
    by_match: dict[int, list[MatchEvent]] = {}
    for event in sorted(events, key=event_time):
        by_match.setdefault(event.match_id, []).append(event)
    table = group_table(group)
    before = table_positions_before(group, matchday)
    for row in table["rows"]:
        row["position_before"] = before.get(row["team"]["id"])
    matchdays = sorted(set(group.matches.exclude(matchday=None).values_list("matchday", flat=True)))
    return {
        "type": "matchday_snapshot",
        "group": {"id": group.id, "name": group.name, "competition": str(group.competition)},
        "matchday": matchday,
        "matchdays": matchdays,
        "matches": [
            {
                **match_summary(match),
                "var": review_in_progress(
                    [e for e in by_match.get(match.id, []) if e.state == MatchEvent.State.ACTIVE]
                ),
                "latest_events": [event_dict(e) for e in by_match.get(match.id, [])[-LATEST_EVENTS_PER_MATCH:]],
            }
            for match in matches
        ],
        "table": table,
        "server_time": timezone.now().isoformat(),
    }


def group_snapshot(group_id: int) -> dict:
    group = get_group(group_id)
    return {"type": "group_snapshot", **group_detail(group), "server_time": timezone.now().isoformat()}


def competitions_with_groups():
    from .models import Competition

    return Competition.objects.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))


def live_and_upcoming(now=None) -> dict:
    """The home page's three lists."""
    now = now or timezone.now()
    base = matches_queryset()
    return {
        "live": list(base.filter(status=Match.Status.LIVE)),
        "upcoming": list(base.filter(Q(status=Match.Status.SCHEDULED) | Q(status=Match.Status.POSTPONED))[:20]),
        "recent": list(base.filter(status=Match.Status.FINISHED).order_by("-kickoff", "-id")[:20]),
    }


# --- the public record of corrections ----------------------------------------------------------

HISTORY_FIELDS = {
    "minute": "minute",
    "added_minute": "added time",
    "player": "player",
    "second_player": "second player",
    "team": "team",
    "kind": "event",
    "goal_type": "goal type",
    "commentary": "commentary",
}


def history_entry(change: Change, role: str | None) -> dict | None:
    """A correction as fans see it, or None for a change that corrects nothing (a new event)."""
    after, before = change.after or {}, change.before or {}
    if change.op == Change.Op.REMOVE:
        text = f"{describe_event(before)} removed"
    elif change.op != Change.Op.UPDATE:
        return None
    elif after.get("kind") == EventKind.VAR_CHECK and after.get("var_outcome") != before.get("var_outcome"):
        text = describe_var_decision(after, change.related)
    else:
        changed = [label for field, label in HISTORY_FIELDS.items() if _value(before, field) != _value(after, field)]
        text = f"{describe_event(after)}: {', '.join(changed) or 'details'} corrected"
    return {
        "seq": change.seq,
        "at": change.created_at.isoformat(),
        "text": text,
        "by": role,
        "reason": change.reason,
    }


def _value(event: dict, field: str):
    value = event.get(field)
    return value["id"] if isinstance(value, dict) else value


def describe_event(event: dict) -> str:
    who = (event.get("player") or {}).get("name")
    label = event.get("kind_label", "Event")
    return f"{label} ({who}, {event.get('minute_label')})" if who else label


def describe_var_decision(check: dict, related: list[dict]) -> str:
    outcome = check.get("var_outcome")
    subject = check.get("var_category_label", "").lower() or "incident"
    if outcome == MatchEvent.VarOutcome.ON_FIELD_REVIEW:
        return f"VAR: on-field review ({subject})"
    if outcome == MatchEvent.VarOutcome.OVERTURNED:
        consequence = next((event["state_reason"] for event in related if event.get("state_reason")), "")
        return consequence or f"VAR review ({subject}): decision overturned"
    return f"VAR review ({subject}): decision stands"


def user_role(user) -> str | None:
    if user is None:
        return None
    names = {group.name for group in user.groups.all()}
    return "an admin" if "Admins" in names or user.is_superuser else "an editor" if "Editors" in names else "a user"


def match_history(match_id: int) -> list[dict]:
    """Every correction of a match, newest first: what changed, when, by whom (by role), and why."""
    changes = (
        Change.objects.filter(match_id=match_id, op__in=[Change.Op.UPDATE, Change.Op.REMOVE])
        .select_related("user")
        .prefetch_related("user__groups")
        .order_by("-seq")
    )
    entries = (history_entry(change, user_role(change.user)) for change in changes)
    return [entry for entry in entries if entry is not None]
