"""The live protocol's messages: what a fan gets on connect and what every change carries.

The facts come from the reads (events/reads/); here they become messages: typed, stamped, completed
with the markup events/fragments.py renders, and serialized once, then sent as the same text to
every fan who needs it. Pages start from the same snapshots.
"""

from __future__ import annotations

import datetime
import json

from django.template.loader import render_to_string
from django.utils import timezone

from events import fragments
from events.models import Change, Competition, Group, Match, Tie
from events.reads import bracket as bracket_reads
from events.reads import changelog, groups, history, matches, tables


def server_time() -> str:
    """When a message was built, by the server's clock: clients correct their own clock with it."""
    return timezone.now().isoformat()


# --- snapshots: what a page or socket starts from ----------------------------------------------


def match_snapshot(match_id: int) -> dict:
    """Everything a fresh page or client needs, stamped with the match's current seq, and its markup."""
    detail = matches.match_detail(match_id)
    return {
        "type": "snapshot",
        **detail,
        "html": {
            "timeline": fragments.timeline_html(detail["events"], detail["match"].get("goals")),
            "table": fragments.table_html(detail["table"]) if detail["table"] else None,
            "history": fragments.history_html(detail["history"]),
            "scorers": fragments.scorers_html(detail["match"]),
            "knockout": fragments.knockout_html(detail["match"]),
        },
        "server_time": server_time(),
    }


def group_snapshot(group_id: int) -> dict:
    """A group's teams, matches and table: what a group socket sends first."""
    return {"type": "group_snapshot", **groups.group_detail(groups.get_group(group_id)), "server_time": server_time()}


def matchday_snapshot(group_id: int, matchday: int) -> dict:
    """One matchday's matches side by side and their table: what the matchday page starts from."""
    return {"type": "matchday_snapshot", **groups.matchday_detail(group_id, matchday), "server_time": server_time()}


# --- changes -----------------------------------------------------------------------------------


def change_message(change: Change) -> dict:
    """One change as the live protocol carries it, without table and markup (the API lists these)."""
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
        "history_entry": history.change_entry(change),
        "at": change.created_at.isoformat(),
    }


def change_text(change: Change, table: dict | None) -> str:
    """A change message completed with the table and the markup, serialized once."""
    message = change_message(change)
    message["table"] = table
    # Change-log rows written before the match state listed its goals carry none: no scorers to send.
    goals = (message["match"] or {}).get("goals")
    message["html"] = {
        "event": fragments.event_html(message["event"], goals) if message["event"] else None,
        "related": [fragments.event_html(event, goals) for event in message["related"]],
        "scorers": fragments.scorers_html(message["match"]) if goals is not None else None,
        "knockout": fragments.knockout_html(message["match"]) if (message["match"] or {}).get("knockout") else None,
        "history_entry": fragments.history_entry_html(message["history_entry"]) if message["history_entry"] else None,
        "table": fragments.table_html(table) if table else None,
    }
    return json.dumps(message, separators=(",", ":"))


def build_change_text(change: Change, match: Match, table: dict | None = None) -> str:
    """The change as sent live to every fan, with the group table as it now stands (`table`, when the
    caller has it from locked_group_table)."""
    if table is None and match.group_id:
        table = tables.group_table(match.group)
    return change_text(change, table)


def locked_group_table(match: Match) -> dict | None:
    """The match's group table, read with the group's row locked until the commit.

    Two matches of one group (18 on a league-phase night) commit under separate match locks: without
    this, each could build the table (and the bracket's league-phase part) without the other's change,
    and the later message would show the earlier state. Holding the group's row makes the builds take
    turns, each seeing every change committed before it.
    """
    if match.group_id is None:
        return None
    _lock_until_commit(Group, match.group_id)
    return tables.group_table(match.group)


def replay_texts(match_id: int, changes: list[Change]) -> list[str]:
    """Missed changes, each as its own message in seq order; the last carries the current table."""
    if not changes:
        return []
    match = Match.objects.select_related("group", "group__competition", "group__stage").get(pk=match_id)
    table = tables.group_table(match.group) if match.group_id else None
    last = len(changes) - 1
    return [change_text(change, table if index == last else None) for index, change in enumerate(changes)]


# --- what a socket sends first -----------------------------------------------------------------


def match_opening(match_id: int, since: int | None) -> list[str] | None:
    """What a match socket sends first: the changes after `since`, or else a snapshot; None: no such match.

    No query of its own to learn whether the match exists: changes_since says None for an unknown
    match, and then the snapshot does not find it.
    """
    try:
        if since is not None:
            missed = changelog.changes_since(match_id, since)
            if missed is not None:
                return replay_texts(match_id, missed)
        return [json.dumps(match_snapshot(match_id))]
    except Match.DoesNotExist:
        return None


def group_opening(group_id: int) -> list[str] | None:
    """What a group socket sends first (its snapshot), or None when there is no such group."""
    try:
        return [json.dumps(group_snapshot(group_id))]
    except Group.DoesNotExist:
        return None


# --- the day feed: compact, for pages that list many matches -----------------------------------


# What a day's page needs of a match as it changes: no events, no markup, no pitch.
DAY_STATE_FIELDS = (
    "id", "seq", "status", "status_label", "period", "period_label", "home_score", "away_score", "clock"
)


def day_state(state: dict, kickoff: datetime.datetime) -> dict:
    """A match's state as the day feed carries it, from a match state (a change's, or the match's own)."""
    return {**{name: state[name] for name in DAY_STATE_FIELDS}, "kickoff": kickoff.isoformat()}


def day_change_message(change: Change, kickoff: datetime.datetime) -> dict:
    return {
        "type": "change",
        "match_id": change.match_id,
        "seq": change.seq,
        "op": change.op,
        "match": day_state(change.match_state, kickoff),
        "at": change.created_at.isoformat(),
    }


def day_change_text(change: Change, kickoff: datetime.datetime) -> str:
    """A change as the day feed sends it, serialized once (in the transaction that made it)."""
    return json.dumps(day_change_message(change, kickoff), separators=(",", ":"))


def day_snapshot(day: datetime.date, states: list[dict]) -> dict:
    """What a day socket starts from, per UTC date it follows: each match's state, with its own seq."""
    return {"type": "snapshot", "day": day.isoformat(), "seq": None, "matches": states, "server_time": server_time()}


def day_opening(day: datetime.date, since: tuple[tuple[int, int], ...] | None) -> list[str]:
    """What a day socket sends first for one UTC date: the changes each match made after its `since`
    (in seq order per match) when every match of the day is named and its log reaches back that far;
    else a snapshot of the day."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    states = matches.day_match_states(start, start + datetime.timedelta(days=1))
    if since is not None:
        replayed = _day_replay(states, dict(since))
        if replayed is not None:
            return replayed
    return [json.dumps(day_snapshot(day, states), separators=(",", ":"))]


def _day_replay(states: list[dict], since: dict[int, int]) -> list[str] | None:
    texts = []
    for state in states:
        seen = since.get(state["id"])
        if seen is None:
            return None  # a match the client does not know: it joined the day
        if seen == state["seq"]:
            continue
        missed = changelog.changes_since(state["id"], seen)
        if missed is None:
            return None
        kickoff = datetime.datetime.fromisoformat(state["kickoff"])
        texts += [json.dumps(day_change_message(change, kickoff), separators=(",", ":")) for change in missed]
    return texts


# --- the bracket: knockout ties and where the league phase leads ---------------------------------
#
# A bracket change carries one part of the bracket, whole: the tie a leg belongs to (`tie-<id>`), or where
# the league phase's positions lead (`league-phase`). Its `version` is the sum of the seqs of the matches
# the part was built from. Every change adds one to one match's seq, and the builds of a part are taken
# in turn (build_bracket_text holds the part's row until the commit), so a later build of a part has a
# higher version and includes every change an earlier one had: a client keeps, per part, the highest
# version it has seen, whatever order the messages arrive in.

LEAGUE_PHASE_PART = "league-phase"


def tie_part_key(tie_id: int) -> str:
    return f"tie-{tie_id}"


def bracket_state(competition_id: int) -> dict:
    """The whole bracket, each match's seq and each part's version (raises Competition.DoesNotExist)."""
    competition = Competition.objects.get(pk=competition_id)
    # Read before the bracket: a version may then be lower than what its part shows (a later change
    # only replaces it with the same), never higher (which would make the client drop that change).
    league_seqs = bracket_reads.league_phase_seqs(competition)
    shaped = bracket_reads.competition_bracket(competition)
    seqs = {str(match_id): seq for match_id, seq in league_seqs.items()}
    versions = {LEAGUE_PHASE_PART: sum(league_seqs.values())} if shaped["league_phase"] is not None else {}
    for stage in shaped["rounds"]:
        for tie in stage["ties"]:
            seqs.update({str(leg["match"]): leg["seq"] for leg in tie["legs"]})
            versions[tie_part_key(tie["id"])] = sum(leg["seq"] for leg in tie["legs"])
    return {
        "type": "snapshot",
        "seq": None,
        "competition": shaped["competition"],
        "bracket": shaped,
        "seqs": seqs,
        "versions": versions,
        "server_time": server_time(),
    }


def bracket_snapshot(competition_id: int) -> dict:
    """What a bracket socket sends first: bracket_state and its markup."""
    state = bracket_state(competition_id)
    return {**state, "html": render_to_string("events/_bracket_body.html", {"bracket": state["bracket"]})}


def bracket_opening(competition_id: int) -> list[str] | None:
    """What a bracket socket sends first, or None when there is no such competition."""
    try:
        return [json.dumps(bracket_snapshot(competition_id), separators=(",", ":"))]
    except Competition.DoesNotExist:
        return None


def build_bracket_text(change: Change, match: Match, table: dict | None = None) -> str | None:
    """The change as the competition's bracket feed carries it (the part it changed, serialized once, in the
    transaction that made it); None for a match that is neither a tie's leg nor a league-phase match.
    `table`: the match's group table from locked_group_table (the group's row is then locked already)."""
    if match.tie_id is not None:
        _lock_until_commit(Tie, match.tie_id)
        part = bracket_reads.tie_part(match.tie_id)
        tie = part["tie"]
        message = {
            "part": tie_part_key(tie["id"]),
            "version": sum(leg["seq"] for leg in tie["legs"]),
            "round": part["round"],
            "tie": tie,
            "html": render_to_string("events/_bracket_tie.html", {"tie": tie}),
        }
    elif match.group_id is not None and bracket_reads.feeds_league_phase(match.group_id):
        _lock_until_commit(Group, match.group_id)
        seqs = bracket_reads.league_phase_seqs(match.competition)
        projection = bracket_reads.league_phase_projection(match.competition, table)
        message = {
            "part": LEAGUE_PHASE_PART,
            "version": sum(seqs.values()),
            "league_phase": projection,
            "html": render_to_string("events/_bracket_league_phase.html", {"league_phase": projection}),
        }
    else:
        return None
    return json.dumps(
        {"type": "change", "match_id": change.match_id, "seq": change.seq, "op": change.op, **message,
         "at": change.created_at.isoformat()},
        separators=(",", ":"),
    )


def _lock_until_commit(model, pk: int) -> None:
    """Builds of one bracket part wait for each other: two legs (or two league matches) changed at once,
    under two match locks, would otherwise each build the part without the other's change."""
    list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))
