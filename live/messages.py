"""The live protocol's messages (version 2): what a socket gets on connect and what every change carries.

The facts come from the reads (events/reads/); here they become messages: typed, stamped, completed
with the markup events/fragments.py renders, and serialized once, then sent as the same text to
every fan who needs it. Pages start from the same snapshots.

Each change is built once for each kind of reader, in the transaction that makes it (docs/protocol.md):
- fans (`fan_change_text`): the event and what of the match's state changed, nothing else;
- editors' consoles (`change_text`): the change in full, pitch and table data included;
- pages showing the group table (`table_change_texts`): the rows the change moved, or nothing, in each
  language.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from events import fragments
from events.models import Change, Competition, EventKind, Group, Match, MatchEvent, Period, Tie
from events.reads import bracket as bracket_reads
from events.reads import changelog, groups, history, matches, tables, thirds

from . import protocol
from .publish import TABLE_KEY

logger = logging.getLogger(__name__)


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
    """A change in full, with the table's data and the markup of the event, serialized once: what the editor
    console gets (its socket's feed is the editor feed), in the active language. The table's markup is not in
    it: no console shows it."""
    message = change_message(change)
    # The change log keeps its labels in the site's language; the console shows them in its own.
    message["event"], message["previous"] = relabeled_event(message["event"]), relabeled_event(message["previous"])
    message["related"] = [relabeled_event(event) for event in message["related"]]
    if message["match"]:
        message["match"] = dict(message["match"])
        relabel(message["match"])
    message["table"] = table
    # Change-log rows written before the match state listed its goals carry none: no scorers to send.
    goals = (message["match"] or {}).get("goals")
    message["html"] = {
        "event": fragments.event_html(message["event"], goals) if message["event"] else None,
        "related": [fragments.event_html(event, goals) for event in message["related"]],
        "scorers": fragments.scorers_html(message["match"]) if goals is not None else None,
        "knockout": fragments.knockout_html(message["match"]) if (message["match"] or {}).get("knockout") else None,
        "history_entry": fragments.history_entry_html(message["history_entry"]) if message["history_entry"] else None,
    }
    return json.dumps(message, separators=(",", ":"))


# What a fan's page keeps of an event (the moment of a goal names its scorer and team; the rest is in its
# markup). The console, on the editor feed, gets the whole event.
FAN_EVENT_FIELDS = ("id", "kind", "state", "is_goal", "minute", "minute_label")

_ABSENT = object()


def fan_event(event: dict | None) -> dict | None:
    if event is None:
        return None
    lean = {name: event.get(name) for name in FAN_EVENT_FIELDS}
    for name in ("state_reason", "var_outcome"):  # why a goal was disallowed; what a VAR check decided
        if event.get(name):
            lean[name] = event[name]
    player, team = event.get("player"), event.get("team")
    lean["player"] = {"name": player["name"]} if player else None
    lean["team"] = {"id": team["id"], "short_name": team["short_name"] or team["name"]} if team else None
    return lean


def _side_goals(goals: list[dict], side: str) -> list[dict]:
    return [{**goal, "score": None} for goal in goals if goal["side"] == side]


def running_scores(goals: list[dict]) -> list[list[int]]:
    """[event id, home, away] per goal that counts, in match order: the score each goal made."""
    return [[goal["event"], *goal["score"]] for goal in goals]


def fan_change_message(change: Change, previous_state: dict | None) -> dict:
    """A change as fans receive it: the event (lean, and its markup) and only what of the match's state
    changed since `previous_state` (the state after the change before it). Fans apply changes in seq order,
    so the parts not sent stand as they were. The goals go as the score each made (`running_scores`) with
    the scorers' markup, the knockout part as its markup only."""
    state = change.match_state or {}
    previous_state = previous_state or {}
    changed = {
        name: value
        for name, value in state.items()
        if name not in ("id", "seq", "goals", "knockout") and previous_state.get(name, _ABSENT) != value
    }
    relabel(changed)
    event = relabeled_event(change.after if change.after is not None else change.before)
    goals = state.get("goals")
    message = {
        "type": "change",
        "match_id": change.match_id,
        "seq": change.seq,
        "op": change.op,
        "at": change.created_at.isoformat(),
        "event": fan_event(event),
        "match": changed,
    }
    html = {"event": fragments.event_html(event, goals) if event else None}
    if change.related:
        message["related"] = [fan_event(other) for other in change.related]
        html["related"] = [fragments.event_html(relabeled_event(other), goals) for other in change.related]
    if goals is not None and goals != previous_state.get("goals"):
        message["running_scores"] = running_scores(goals)
        before = previous_state.get("goals")
        sides = {side for side in ("home", "away") if before is None or _side_goals(goals, side) != _side_goals(
            before, side)}
        if before is not None and goals[:-1] == before:
            # A goal after every other: its scorer's line alone (the lines are in the order scorers first scored).
            html["scorer"] = fragments.scorer_line_html(state, goals[-1])
        elif len(sides) == 1:  # only one side's goals changed (one disallowed, say): the other stands as it was
            html["scorers"] = fragments.scorers_side_html(state, sides.pop())
        else:
            html["scorers"] = fragments.scorers_html(state)
    if state.get("knockout") and state.get("knockout") != previous_state.get("knockout"):
        html["knockout"] = fragments.knockout_html(state)
    entry = history.change_entry(change)
    if entry:
        html["history_entry"] = fragments.history_entry_html(entry)
    message["html"] = html
    return message


def fan_change_text(change: Change, previous_state: dict | None) -> str:
    """The fan's change, serialized once (`previous_state`: the match state before it, see state_before), in
    the active language."""
    return json.dumps(fan_change_message(change, previous_state), separators=(",", ":"), ensure_ascii=False)


def change_texts(change: Change, table: dict | None) -> dict[str, str]:
    """The change in full (change_text) once per language (the site's first), for each language's editor feed."""
    return in_each_language(change_text, change, table)


def fan_change_texts(change: Change, previous_state: dict | None) -> dict[str, str]:
    """The fan's change once per language (the site's first): each language's feed carries its own, the same
    seq, figures and ids, its words and markup in that language. What it costs: docs/performance.md."""
    return in_each_language(fan_change_text, change, previous_state)


def in_each_language(build, *args):
    """{language: build(*args) with that language active}, for every language a socket may ask for, the site's
    first."""
    built = {}
    for language in protocol.languages():
        with translation.override(language):
            built[language] = build(*args)
    return built


def relabeled_event(event: dict | None) -> dict | None:
    """An event as the change log keeps it (its labels in the site's language), its labels in the active one."""
    if event is None:
        return None
    labels = {}
    # Only the labels the event has (a result's change carries no event kind), from values the choices know.
    for name, choices in (("kind", EventKind), ("period", Period), ("var_category", MatchEvent.VarCategory),
                          ("var_outcome", MatchEvent.VarOutcome), ("decision_reason", MatchEvent.DecisionReason)):
        if event.get(f"{name}_label") and event.get(name) in choices.values:
            labels[f"{name}_label"] = str(choices(event[name]).label)
    return {**event, **labels}


def relabel(state: dict) -> None:
    """The labels of a match state (a change's changed part), in the active language: the change log keeps
    them in the site's language."""
    if "period_label" in state and state.get("period") in Period.values:
        state["period_label"] = str(Period(state["period"]).label)
    if "status_label" in state and state.get("status") in Match.Status.values:
        state["status_label"] = str(Match.Status(state["status"]).label)
    var = state.get("var")
    if var and var.get("category", "") in MatchEvent.VarCategory.values and var.get(
            "outcome", "") in MatchEvent.VarOutcome.values:
        state["var"] = {
            **var,
            "category_label": str(MatchEvent.VarCategory(var.get("category", "")).label),
            "outcome_label": str(MatchEvent.VarOutcome(var.get("outcome", "")).label),
        }


def state_before(change: Change) -> dict | None:
    """The match state the change started from: the one the change before it left."""
    before = Change.objects.filter(match_id=change.match_id, seq=change.seq - 1)
    return before.values_list("match_state", flat=True).first()


def build_change_text(change: Change, match: Match, table: dict | None = None) -> str:
    """The change in full as the editor feed carries it, with the group table as it now stands (`table`, when
    the caller has it from locked_group_table)."""
    if table is None and match.group_id:
        table = tables.group_table(match.group)
    return change_text(change, table)


def locked_group_table(match: Match) -> dict | None:
    """The match's group table, read with the group's row locked until the commit.

    Two matches of one group (18 on a league-phase night) commit under separate match locks: without
    this, each could build the table (and the bracket's league-phase part) without the other's change,
    and the later message would show the earlier state. Holding the group's row makes the builds take
    turns, each seeing every change committed before it (and table_change_texts the record the change
    before it left).
    """
    if match.group_id is None:
        return None
    _lock_until_commit(Group, match.group_id)
    # The group with what its rule set is read from, in one query; the bracket's build reads it from the match.
    match.group = Group.objects.select_related("stage", "competition").get(pk=match.group_id)
    return tables.group_table(match.group)


# --- the group table, live: small messages of the rows a change moved ---------------------------------
#
# A table's `version` is the sum of its group's matches' seqs (events/reads/tables.group_table), so it grows
# by one with every change of any of them. Under the group's lock, each change compares the table with the
# one the change before it left (kept in the cache as compact rows, with the version it holds at) and
# sends the rows that differ, with `base`: the version since which the table had not changed. A page
# whose table is at a version from `base` up to below `version` applies it; one below `base` missed a
# change and takes the table again (a reconnect: the socket's opening sends it whole). Without a record
# of the table before (a cold cache, a change in between that never committed), the change sends the
# table whole, once. Nothing of it is per fan.

TABLE_RECORD_SECONDS = 24 * 3600


def table_record_key(group_id: int) -> str:
    return f"live-table:{group_id}"


def compact_row(row: dict) -> dict:
    """What a live page patches of a row, as plain values (and what tells a change of its notes or form)."""
    return {
        "team": row["team"]["id"],
        "position": row["position"],
        "cells": [
            row["played"], row["won"], row["drawn"], row["lost"],
            row["goals_for"], row["goals_against"], row["goal_difference"], row["points"],
        ],
        "undecided": bool(row["undecided"]),
        "notes": [row["note"], row["title"], (row.get("settled") or {}).get("reason")],
        "form": [[result["result"], result["label"], result["predicted"]] for result in row.get("form") or []],
    }


def table_message(table: dict) -> dict:
    """The whole table, as a socket's opening (or a change with no record to compare with) sends it."""
    return {
        "type": "table",
        "group_id": table["group"]["id"],
        "version": table["version"],
        "provisional": table["provisional"],
        "html": fragments.table_html(table),
    }


def table_delta(table: dict, before: list[dict], rows: list[dict]) -> dict | None:
    """The rows of `table` (compact: `rows`) that differ from `before`; None when the teams are not the same.
    Without words: each changed row says whether its notes and its form changed (`table_words` adds them, in a
    language)."""
    by_team = {row["team"]: row for row in before}
    if set(by_team) != {row["team"]["id"] for row in table["rows"]}:
        return None
    changed, moved = [], []
    for row in rows:
        old = by_team[row["team"]]
        if all(old[name] == row[name] for name in ("cells", "undecided", "notes", "form")):
            if old["position"] != row["position"]:
                moved.append([row["team"], row["position"]])
            continue
        sent = {name: row[name] for name in ("team", "position", "cells")}
        if row["undecided"]:  # said only when true: most rows are decided, and a goal's update is sent to every fan
            sent["undecided"] = True
        changed.append((sent, old["notes"] != row["notes"], old["form"] != row["form"]))
    return {"rows": changed, "moved": moved_runs(moved, by_team, {sent["team"] for sent, *_ in changed})}


def table_words(changed: list[tuple[dict, bool, bool]], table: dict) -> list[dict]:
    """The changed rows of a delta with their words from `table` (worded in the active language): the notes
    and the form's markup, where they changed."""
    full_rows = {row["team"]["id"]: row for row in table["rows"]}
    rows = []
    for sent, notes_changed, form_changed in changed:
        row = full_rows[sent["team"]]
        sent = dict(sent)
        if notes_changed:
            sent["notes"] = compact_row(row)["notes"]
        if form_changed:
            sent["form"] = fragments.table_form_html(row)
        rows.append(sent)
    return rows


def moved_runs(moved: list[list[int]], before: dict[int, dict], changed: set[int]) -> list[list[int]]:
    """Rows that only moved, as runs [first, last, by]: every row that stood from position `first` to `last`
    (but the changed rows, which say where they now are) moves by `by`. A team climbing ten places moves the
    ten it passed by one each: one run, whatever their number."""
    shifts = sorted((before[team]["position"], position - before[team]["position"]) for team, position in moved)
    skipped = {before[team]["position"] for team in changed}
    runs: list[list[int]] = []
    for old, by in shifts:
        if runs and runs[-1][2] == by and all(p in skipped for p in range(runs[-1][1] + 1, old)):
            runs[-1][1] = old
        else:
            runs.append([old, old, by])
    return runs


def table_change_texts(table: dict | None) -> dict[str, str] | None:
    """The group table's live update for the change being committed (call under locked_group_table's lock), by
    language (the site's first): the rows it moved, the whole table when there is nothing to compare with, or
    None when it moved nothing. Which rows moved is worked out once; only their words (notes, form) and a
    table sent whole are built in each language. A retried announcement of a change finds its own record and
    sends the same texts again."""
    if table is None:
        return None
    key = table_record_key(table["group"]["id"])
    version = table["version"]
    with translation.override(protocol.languages()[0]):  # compared in one language, whichever is active
        rows = [compact_row(row) for row in tables.worded(table)["rows"]]
    try:
        record = cache.get(key)
    except Exception:
        logger.warning("No record of the table before this change: the cache is unavailable", exc_info=True)
        record = None
    if record is not None and record["version"] == version and "texts" in record:
        return record["texts"]
    delta = None
    if record is not None and record["version"] == version - 1:
        delta = table_delta(table, record["rows"], rows)
    if delta is not None and not delta["rows"] and not delta["moved"] and record["provisional"] == table["provisional"]:
        texts, base = None, record["base"]
    else:
        texts, base = {}, version
        for language in protocol.languages():
            with translation.override(language):
                local = tables.worded(table)
                if delta is None:
                    message = table_message(local)
                else:
                    message = {
                        "type": "table",
                        "group_id": table["group"]["id"],
                        "version": version,
                        "base": record["base"],
                        "provisional": table["provisional"],
                        "rows": table_words(delta["rows"], local),
                    }
                    if delta["moved"]:
                        message["moved"] = delta["moved"]
                texts[language] = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    record = {"version": version, "base": base, "rows": rows, "provisional": table["provisional"], "texts": texts}
    try:
        cache.set(key, record, TABLE_RECORD_SECONDS)
    except Exception:
        logger.warning("The table's record was not kept: the next change sends it whole", exc_info=True)
    return texts


def forget_tables(group_ids) -> None:
    """The groups' tables changed outside a change (an import, a reset, an organiser's order): the next
    change sends each whole."""
    try:
        cache.delete_many([table_record_key(group_id) for group_id in group_ids])
    except Exception:
        logger.warning("Could not forget the tables' records", exc_info=True)


def replay_texts(changes: list[Change], previous_state: dict | None) -> list[str]:
    """Missed changes, each as its own fan message in seq order (`previous_state`: the state before the first)."""
    texts = []
    for change in changes:
        texts.append(fan_change_text(change, previous_state))
        previous_state = change.match_state
    return texts


# --- what a socket sends first -----------------------------------------------------------------


class Opening(NamedTuple):
    """What a socket sends first; what those texts already say, as the seq each match's changes reached in them
    (`reached`: a match's id, or TABLE_KEY and the table's version), so that the fan-out does not send the fan a
    change again that was committed before the read and forwarded after it (LocalFanOut.go_live); and, for a
    match socket, the group whose table it also follows (None: none).

    A seq in `reached` may be lower than what the texts show (read before them), never higher: a change at or
    below it is in the texts.
    """

    texts: list[str]
    reached: dict
    group_id: int | None = None


def match_opening(match_id: int, since: int | None, language: str | None = None) -> Opening | None:
    """What a fan's match socket sends first: the changes after `since`, or else a snapshot (without the
    table: table_opening follows it); None: no such match. In `language` (the site's by default).

    No query of its own to learn whether the match exists: changes_since says None for an unknown
    match, and then the snapshot does not find it.
    """
    with translation.override(language or protocol.languages()[0]):
        return _match_opening(match_id, since)


def _match_opening(match_id: int, since: int | None) -> Opening | None:
    try:
        if since is not None:
            missed = changelog.changes_since(match_id, since)
            if missed is not None:
                group_id = Match.objects.filter(pk=match_id).values_list("group_id", flat=True).first()
                before = Change.objects.filter(match_id=match_id, seq=since).values_list("match_state", flat=True)
                reached = missed[-1].seq if missed else since
                return Opening(replay_texts(missed, before.first()), {match_id: reached}, group_id)
        snapshot = match_snapshot(match_id)
        snapshot.pop("table", None)
        snapshot["html"].pop("table", None)
        group = snapshot["match"].get("group")
        text = json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)
        return Opening([text], {match_id: snapshot["seq"]}, group["id"] if group else None)
    except Match.DoesNotExist:
        return None


def editor_opening(match_id: int, since: int | None, language: str | None = None) -> Opening | None:
    """What the editor console's socket sends first: the changes after `since` in full, or a snapshot; in
    `language` (the site's by default)."""
    with translation.override(language or protocol.languages()[0]):
        return _editor_opening(match_id, since)


def _editor_opening(match_id: int, since: int | None) -> Opening | None:
    try:
        if since is not None:
            missed = changelog.changes_since(match_id, since)
            if missed is not None:
                reached = missed[-1].seq if missed else since
                return Opening([change_text(change, None) for change in missed], {match_id: reached})
        snapshot = match_snapshot(match_id)
        return Opening([json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)], {match_id: snapshot["seq"]})
    except Match.DoesNotExist:
        return None


def table_opening(group_id: int, shown_version: int | None, language: str | None = None) -> Opening:
    """The group table for a socket that follows it: nothing when the page shows its current version
    already, else the whole table (nothing either for a group that is not there), in `language`."""
    with translation.override(language or protocol.languages()[0]):
        return _table_opening(group_id, shown_version)


def _table_opening(group_id: int, shown_version: int | None) -> Opening:
    try:
        group = groups.get_group(group_id)
    except Group.DoesNotExist:
        return Opening([], {})
    table = tables.group_table(group)
    reached = {TABLE_KEY: table["version"]}
    if shown_version == table["version"]:
        return Opening([], reached)
    return Opening([json.dumps(table_message(table), separators=(",", ":"), ensure_ascii=False)], reached)


def group_opening(group_id: int, shown_version: int | None = None, language: str | None = None) -> Opening | None:
    """What a group socket sends first (its snapshot, then the whole table unless the page shows its
    current version), or None when there is no such group; in `language`."""
    with translation.override(language or protocol.languages()[0]):
        return _group_opening(group_id, shown_version)


def _group_opening(group_id: int, shown_version: int | None) -> Opening | None:
    try:
        snapshot = group_snapshot(group_id)
    except Group.DoesNotExist:
        return None
    reached = {match["id"]: match["seq"] for match in snapshot["matches"]}
    reached[TABLE_KEY] = snapshot["table"]["version"]
    texts = [json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)]
    if shown_version != snapshot["table"]["version"]:
        texts.append(json.dumps(table_message(snapshot["table"]), separators=(",", ":"), ensure_ascii=False))
    return Opening(texts, reached)


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


def day_opening(day: datetime.date, since: tuple[tuple[int, int], ...] | None) -> Opening:
    """What a day socket sends first for one UTC date: the changes each match made after its `since`
    (in seq order per match) when every match of the day is named and its log reaches back that far;
    else a snapshot of the day."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    states = matches.day_match_states(start, start + datetime.timedelta(days=1))
    reached = {state["id"]: state["seq"] for state in states}
    if since is not None:
        replayed = _day_replay(states, dict(since))
        if replayed is not None:
            return Opening(replayed, reached)
    return Opening([json.dumps(day_snapshot(day, states), separators=(",", ":"))], reached)


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


# --- the bracket: knockout ties, where the league phase leads, the path from the groups ------------
#
# A bracket change carries one part of the bracket, whole: the tie a leg belongs to (`tie-<id>`), where the
# league phase's positions lead (`league-phase`), or the knockout path as the group tables stand, with the
# ranking of third-placed teams (`group-stage`, the World Cup from 2026). Its `version` is the sum of the
# seqs of the matches the part was built from: a tie's legs; the league phase's matches; for the group stage,
# every match of the competition (its groups', and its knockout matches', whose winners the path follows).
# Every change adds one to one match's seq, and the builds of a part are taken in turn (build_bracket_text
# holds a row until the commit: the tie's, the league phase's group's, the competition's), so a later build
# of a part has a higher version and includes every change an earlier one had: a client keeps, per part,
# the highest version it has seen, whatever order the messages arrive in.
#
# A group-stage change also carries the changed group's table, compact (the tournament page shows every
# group's), with the table's own version (the sum of its group's seqs): two groups' changes may arrive in
# either order, so each group's table is kept at its own highest version, apart from the part's.

LEAGUE_PHASE_PART = "league-phase"
GROUP_STAGE_PART = "group-stage"


def tie_part_key(tie_id: int) -> str:
    return f"tie-{tie_id}"


class BracketReading(NamedTuple):
    """The bracket's state (what bracket_state returns), the group tables its group-stage part was built
    from, in group order (none without that part), and the group stage whose thirds are ranked (None
    without one): the tournament page shows them."""

    state: dict
    tables: list[dict]
    stage: thirds.GroupStage | None


def bracket_reading(competition_id: int) -> BracketReading:
    """The whole bracket, each match's seq, each part's version and each group table's (raises
    Competition.DoesNotExist)."""
    competition = Competition.objects.get(pk=competition_id)
    # Read before the bracket: a version may then be lower than what its part shows (a later change
    # only replaces it with the same), never higher (which would make the client drop that change).
    league_seqs = bracket_reads.league_phase_seqs(competition)
    competition_seqs = bracket_reads.competition_seqs(competition)
    stage = thirds.group_stage(competition)
    shaped = bracket_reads.bracket_with_group_stage(competition, stage)
    seqs = {str(match_id): seq for match_id, seq in league_seqs.items()}
    versions = {LEAGUE_PHASE_PART: sum(league_seqs.values())} if shaped["league_phase"] is not None else {}
    group_tables = []
    if shaped["group_stage"] is not None:
        seqs.update({str(match_id): seq for match_id, seq in competition_seqs.items()})
        versions[GROUP_STAGE_PART] = sum(competition_seqs.values())
        group_tables = list(stage.tables.values())
    for round_ in shaped["rounds"]:
        for tie in round_["ties"]:
            seqs.update({str(leg["match"]): leg["seq"] for leg in tie["legs"]})
            versions[tie_part_key(tie["id"])] = sum(leg["seq"] for leg in tie["legs"])
    state = {
        "type": "snapshot",
        "seq": None,
        "competition": shaped["competition"],
        "bracket": shaped,
        "seqs": seqs,
        "versions": versions,
        "tables": {str(table["group"]["id"]): table["version"] for table in group_tables},
        "server_time": server_time(),
    }
    return BracketReading(state, group_tables, stage)


def bracket_state(competition_id: int) -> dict:
    """The whole bracket, each match's seq, each part's version, and the version of each group table that
    goes with the group-stage part (raises Competition.DoesNotExist)."""
    return bracket_reading(competition_id).state


def tournament_group_html(table: dict) -> str:
    """A group's table as the tournament page shows it: compact, its rows' zones, a link to the group."""
    return render_to_string("events/_tournament_group.html", {"table": table})


def bracket_snapshot(competition_id: int) -> dict:
    """What a bracket socket sends first: bracket_state and its markup (with each group table's, compact,
    when the group stage leads into the bracket)."""
    state, group_tables, _stage = bracket_reading(competition_id)
    snapshot = {**state, "html": render_to_string("events/_bracket_body.html", {"bracket": state["bracket"]})}
    if group_tables:
        snapshot["tables_html"] = {str(table["group"]["id"]): tournament_group_html(table) for table in group_tables}
    return snapshot


def bracket_opening(competition_id: int, language: str | None = None) -> Opening | None:
    """What a bracket socket sends first, in `language` (the site's by default), or None when there is no such
    competition."""
    with translation.override(language or protocol.languages()[0]):
        try:
            snapshot = bracket_snapshot(competition_id)
        except Competition.DoesNotExist:
            return None
    reached = {int(match_id): seq for match_id, seq in snapshot["seqs"].items()}
    return Opening([json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)], reached)


def build_bracket_texts(change: Change, match: Match, table: dict | None = None) -> dict[str, str] | None:
    """The change as the competition's bracket feeds carry it, by language (the site's first): the part it
    changed, and in `also` any other part it moved, built in the transaction that made it; None for a match
    that is neither a tie's leg, nor a league-phase match, nor a match of a competition whose group stage
    leads into the bracket. What the part is (its reads, version, what moved) is worked out once; its words
    and markup in each language.
    `table`: the match's group table from locked_group_table (the group's row is then locked already)."""
    languages = protocol.languages()
    if match.tie_id is not None:
        _lock_until_commit(Tie, match.tie_id)
        parts = bracket_reads.tie_parts(match.tie_id, languages)
        path = knockout_group_stage_change(match)  # a tie decided (or undone) moves the path to the final
        messages = {}
        for language in languages:
            tie = parts[language]["tie"]
            with translation.override(language):
                html = render_to_string("events/_bracket_tie.html", {"tie": tie})
            messages[language] = {"part": tie_part_key(tie["id"]), "version": sum(leg["seq"] for leg in tie["legs"]),
                                  "round": parts[language]["round"], "tie": tie, "html": html}
            if path:
                messages[language]["also"] = [path[language]]
    elif match.group_id is not None and bracket_reads.feeds_league_phase(match.group_id):
        _lock_until_commit(Group, match.group_id)
        seqs = bracket_reads.league_phase_seqs(match.competition)
        projection = bracket_reads.league_phase_projection(match.competition, table)
        htmls = in_each_language(render_to_string, "events/_bracket_league_phase.html", {"league_phase": projection})
        messages = {language: {"part": LEAGUE_PHASE_PART, "version": sum(seqs.values()), "league_phase": projection,
                               "html": html} for language, html in htmls.items()}
    elif match.group_id is not None and bracket_reads.feeds_group_stage(match.group):
        messages = group_stage_change(match, table)  # {} in each language when it moved nothing the bracket shows
        if messages is None:
            return None
    elif match.group_id is None:
        # A knockout match recorded without a tie: the path to the final alone follows it.
        messages = knockout_group_stage_change(match)
        if messages is None:
            return None
    else:
        return None
    return {
        language: json.dumps(
            {"type": "change", "match_id": change.match_id, "seq": change.seq, "op": change.op, **message,
             "at": change.created_at.isoformat()},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for language, message in messages.items()
    }


def group_stage_part(match: Match, table: dict | None = None) -> dict | None:
    """The group-stage part of the match's competition as it stands, built under the competition's lock,
    without its markup (group_stage_pieces, in a language); None when the competition's groups do not make up
    the path (one missing, or not named by letter)."""
    # Every group's change moves the ranking of thirds: the builds take turns on the competition's row.
    _lock_until_commit(Competition, match.competition_id)
    seqs = bracket_reads.competition_seqs(match.competition)  # before the projection, as in bracket_reading
    known = {match.group_id: table} if table is not None and match.group_id is not None else None
    projection = bracket_reads.group_stage_projection(match.competition, known_tables=known)
    if projection is None:
        return None
    return {
        "part": GROUP_STAGE_PART,
        "version": sum(seqs.values()),
        "group_stage": projection,
        "root": {"provisional": projection["provisional"], "qualifying": "".join(projection["thirds"]["qualifying"])},
    }


def group_stage_pieces(projection: dict, only: set[str] | None = None) -> dict[str, str]:
    """The part's markup in pieces, by element id, in the active language: what the path stands on, the
    thirds' table, each match (`only`: just these). A change sends the pieces it moved (a goal that swaps two
    thirds moves a few matches of the 31)."""
    basis, thirds_table, match = (get_template(f"events/_group_stage_{name}.html") for name in
                                  ("basis", "thirds", "match"))
    wanted = (lambda piece: True) if only is None else only.__contains__
    pieces = {}
    if wanted("group-stage-basis"):
        pieces["group-stage-basis"] = basis.render({"group_stage": projection})
    if projection.get("third_placed") and wanted("third-placed"):
        pieces["third-placed"] = thirds_table.render({"group_stage": projection})
    for round_ in projection["rounds"]:
        for entry in round_["matches"]:
            if wanted(f"bracket-match-{entry['number']}"):
                pieces[f"bracket-match-{entry['number']}"] = match.render({"match": entry})
    return pieces


def group_stage_whole(part: dict) -> dict:
    """The part as a page takes it whole, in the active language: its projection and its markup (the first
    change after a cold record, or one that does not follow the one recorded)."""
    html = render_to_string("events/_bracket_group_stage.html", {"group_stage": part["group_stage"]})
    return {"part": part["part"], "version": part["version"], "group_stage": part["group_stage"], "html": html}


def group_stage_change(match: Match, table: dict | None = None) -> dict[str, dict] | None:
    """What a change of a group match sends of the group stage, by language: the part and the group's table,
    compact, each only when it differs from what the change before it left (group_stage_record); None without
    a path."""
    if table is None:
        table = tables.group_table(match.group)
    part = group_stage_part(match, table)
    if part is None:
        return None
    return group_stage_record(match.competition_id, part, table)


def knockout_group_stage_change(match: Match) -> dict[str, dict] | None:
    """What a change of a knockout match sends of the group-stage part, by language: the part when the change
    moved it (a winner decided, or undone), else nothing ({}); None when the competition's groups lead into no
    path."""
    if not bracket_reads.has_group_stage_path(match.competition_id):
        return None
    part = group_stage_part(match)
    return None if part is None else group_stage_record(match.competition_id, part)


# --- a group-stage change sends only what moved ------------------------------------------------------
#
# Most changes of a group match (a card, a substitution, a shot) move neither the path nor the ranking of
# thirds, and a goal that does moves a few of its pieces, yet the part weighs tens of kilobytes for every fan
# of the bracket; a knockout match moves the path only when its tie is decided. Under the competition's lock,
# each build is compared, piece by piece, with the one the change before it left (kept in the cache with its
# version, once that change committed): when this build follows it (its version is the next), the change
# carries the pieces that differ, with `base` the version they apply to, and none when nothing moved (a page
# still moves on to this version). Otherwise (a cold cache, a change that never committed, a match changed in
# between without a build, as by an import) the part goes out whole. The group's table goes out when it
# differs from the one recorded, by its own version.

GROUP_STAGE_RECORD_SECONDS = 24 * 3600


def group_stage_record_key(competition_id: int) -> str:
    return f"live-group-stage:{competition_id}"


def _digest(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def group_stage_record(competition_id: int, part: dict, table: dict | None = None) -> dict[str, dict]:
    """Of `part` and `table` (the group's; none for a knockout match), what differs from the build before this
    change, by language. What moved is found once, from the markup in the site's language; the pieces that
    moved (or the part whole) and the group's table are then built in each language."""
    languages = protocol.languages()
    key = group_stage_record_key(competition_id)
    with translation.override(languages[0]):
        pieces = group_stage_pieces(part["group_stage"])
        table_html = tournament_group_html(table) if table is not None else None
    digests = {piece: _digest(html) for piece, html in pieces.items()}
    digests["root"] = _digest(part["root"])
    try:
        record = cache.get(key)
    except Exception:
        logger.warning("No record of the group stage before this change: the cache is unavailable", exc_info=True)
        record = None
    record = record or {"version": None, "pieces": {}, "tables": {}}
    follows = record["version"] == part["version"] - 1 and set(record["pieces"]) == set(digests)
    moved = {piece for piece in pieces if follows and record["pieces"][piece] != digests[piece]}
    kept = {"version": part["version"], "pieces": digests, "tables": dict(record["tables"])}
    send_table = False
    if table is not None:
        # A group's table goes by its own version: the sum of its group's seqs.
        group, table_digest = str(table["group"]["id"]), _digest(table_html)
        send_table = record["tables"].get(group) != [table["version"] - 1, table_digest]
        kept["tables"][group] = [table["version"], table_digest]
    messages = {}
    for language in languages:
        with translation.override(language):
            if follows:
                message = {"part": part["part"], "version": part["version"], "base": record["version"],
                           "pieces": {piece: pieces[piece] for piece in moved} if language == languages[0] else
                           group_stage_pieces(bracket_reads.worded_group_stage(part["group_stage"]), only=moved)
                           if moved else {}}
                if record["pieces"]["root"] != digests["root"]:
                    message["root"] = part["root"]
            else:
                message = group_stage_whole(
                    {**part, "group_stage": bracket_reads.worded_group_stage(part["group_stage"])})
            if send_table:
                html = table_html if language == languages[0] else tournament_group_html(table)
                message["table"] = {"group_id": table["group"]["id"], "version": table["version"], "html": html}
        messages[language] = message
    # Kept once the change commits: a change rolled back was never sent, and its version is handed out again.
    # A build that reads the record before this one is kept sends everything (the versions do not follow).
    transaction.on_commit(lambda: _keep_group_stage_record(key, kept))
    return messages


def _keep_group_stage_record(key: str, kept: dict) -> None:
    try:
        cache.set(key, kept, GROUP_STAGE_RECORD_SECONDS)
    except Exception:
        logger.warning("The group stage's record was not kept: the next change sends it whole", exc_info=True)


def _lock_until_commit(model, pk: int) -> None:
    """Builds of one bracket part wait for each other: two legs (or two league matches, or two group matches)
    changed at once, under two match locks, would otherwise each build the part without the other's change."""
    list(model.objects.select_for_update().filter(pk=pk).order_by().values_list("pk", flat=True))
