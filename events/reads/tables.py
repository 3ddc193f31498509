"""Group tables as they stand (live matches at their current score) or with hypothetical scores, the
positions before a matchday, and the scenarios (who can still finish where), cached per state of the group."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext_lazy

from .. import formats, league_scenarios, scenarios, standings
from ..models import EventKind, Group, LineupEntry, Match, MatchEvent, TableSettlement, Team
from .history import user_role
from .shapes import team_dict

logger = logging.getLogger(__name__)

# UEFA disciplinary points: yellow 1, red 3, and a sending-off for two yellows 3 in all. The first
# yellow is recorded on its own (1), so the second adds 2.
DISCIPLINARY_POINTS = {EventKind.YELLOW_CARD: 1, EventKind.SECOND_YELLOW: 2, EventKind.RED_CARD: 3}

Scores = dict[int, tuple[int, int]]


def group_results(
    group: Group, hypothetical: Scores | None = None, matches: list[Match] | None = None
) -> tuple[list[Team], list[standings.Result], dict[int, int] | None]:
    """Teams, results (live ones at their current score) and disciplinary points of a group.

    `hypothetical` maps match ids to final scores that replace whatever is known (the predictor).
    `matches`: the group's matches with their teams, when the caller has them already.
    """
    if matches is None:
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
    rules = standings.get_rule_set(group.rule_set_name)
    disciplinary = group_disciplinary_points(matches) if rules.uses_disciplinary_points else None
    return list(teams.values()), results, disciplinary


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


CARD_KINDS = (EventKind.YELLOW_CARD, EventKind.SECOND_YELLOW, EventKind.RED_CARD)


def fair_play_from_cards(matches: list[Match]) -> dict[int, int] | None:
    """FIFA's fair play (team conduct) points of the teams of these matches, from the cards the centre
    recorded; None when a played match is known only from a record (its result, or its goals imported
    without lineups): its cards are unknown, not absent, and the engine then names the criterion undecided."""
    played_ids = [m.id for m in matches if m.status in (Match.Status.FINISHED, Match.Status.LIVE)]
    followed = set(
        Match.objects.filter(pk__in=played_ids, result_only=False)
        .filter(Exists(LineupEntry.objects.filter(match=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if len(followed) != len(played_ids):
        return None
    teams = {team for m in matches for team in (m.home_id, m.away_id)}
    cards = MatchEvent.objects.filter(
        match__in=played_ids, state=MatchEvent.State.ACTIVE, kind__in=CARD_KINDS, team__isnull=False
    ).values_list("team_id", "match_id", "player_id", "id", "kind")
    return standings.fair_play_points(
        # A card without a named player (a team official's) is one person's card, never merged with another.
        (standings.Card(team, match, player if player is not None else f"unnamed-{event}", kind)
         for team, match, player, event, kind in cards),
        teams,
    )


def group_table(group: Group, hypothetical: Scores | None = None) -> dict:
    """The table as it stands (or with `hypothetical` scores): rows with each team's zone (where its
    position leads, from the rule set) and form, the zones for the legend, and the order an organiser
    gave teams the data leaves level (`settlements`)."""
    matches = list(group.matches.select_related("home", "away"))
    table, fair_play = _engine_table(group, hypothetical, matches)
    teams_by_id = {match.home_id: match.home for match in matches} | {match.away_id: match.away for match in matches}
    forms = team_forms(matches, hypothetical or {})
    settled = _settled_rows(group, table) if any(row.undecided for row in table.rows) else {}
    rows = []
    for row in _ordered(table.rows, settled):
        data = row.to_dict()
        data["team"] = team_dict(teams_by_id[row.team])
        if table.rule_set.uses_fair_play:
            # Only where the rule set ranks by it; None while some played match's cards are unknown.
            data["fair_play_points"] = fair_play.get(row.team) if fair_play is not None else None
        zone = table.rule_set.zone(row.position)
        data["zone"] = {"key": zone.key, "label": zone.label} if zone else None
        data["form"] = forms.get(row.team, [])
        data["settled"] = settled.get(row.team)
        data["note"], data["title"] = row_note(data)
        rows.append(data)
    return {
        "group": {"id": group.id, "name": group.name},
        # The sum of the group's matches' seqs, read with them: every change to one of them adds one, so a later
        # state of the group has a higher version (live/messages.py numbers the table's live updates with it).
        "version": sum(match.seq for match in matches),
        "provisional": table.provisional,
        "hypothetical": bool(hypothetical),
        "rule_set": {"name": table.rule_set.name, "label": table.rule_set.label},
        "zones": table.to_dict()["zones"],
        "rows": rows,
    }


# How long a group's table stays cached for a state no change has moved on from (a team renamed in the
# admin, which no seq counts, shows within this).
TABLE_CACHE_SECONDS = 600


def group_tables(groups: list[Group], known: dict[int, dict] | None = None) -> dict[int, dict]:
    """The tables of these groups as they stand (group_table), each built once per state of its group and
    kept in the cache: a goal in one of twelve groups rebuilds one table, not twelve, for the ranking of
    thirds and the bracket that read them all.

    A group's state is what its table is made of: its matches' seqs (every change adds one), scores, status
    and teams, and the organiser's settlements. One table is kept for every language: its few words (notes,
    form) are put in the active one as it is read (worded), not the whole table built again per language. A
    table built inside a transaction is cached only once it commits: a rolled-back change's seq is handed out
    again, to another change.

    `known`: tables the caller built already in this transaction, by group id (the write path's, for the
    group its change moved), used as they are."""
    known = known or {}
    states = _group_states([group.id for group in groups])
    keys = {group.id: f"table:{group.id}:{states[group.id]}" for group in groups}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("Group tables not read from the cache: the cache is unavailable", exc_info=True)
        found = {}
    built, missing = {}, {}
    for group in groups:
        table = known.get(group.id) or found.get(keys[group.id])
        if table is None:
            table = missing[keys[group.id]] = group_table(group)
        built[group.id] = worded(table)
    if missing:
        transaction.on_commit(lambda: _cache_tables(missing))  # at once outside a transaction
    return built


def _group_states(group_ids: list[int]) -> dict[int, str]:
    parts: dict[int, list] = {group_id: [] for group_id in group_ids}
    matches = Match.objects.filter(group_id__in=group_ids).order_by("id").values_list(
        "group_id", "id", "seq", "status", "home_score", "away_score", "home_id", "away_id",
        "home_penalties", "away_penalties")
    for group_id, *state in matches:
        parts[group_id].append(state)
    settled = TableSettlement.objects.filter(group_id__in=group_ids).order_by("id").values_list("group_id", "id")
    for group_id, settlement in settled:
        parts[group_id].append(("settled", settlement))
    return {group_id: hashlib.sha256(repr(state).encode()).hexdigest()[:32] for group_id, state in parts.items()}


def _cache_tables(tables: dict[str, dict]) -> None:
    try:
        cache.set_many(tables, TABLE_CACHE_SECONDS)
    except Exception:
        logger.warning("Group tables not cached: the cache is unavailable", exc_info=True)


# What the table's markup says of a row, in the reader's language. The table's data keeps the engine's
# criterion labels (English, its keys: what the cache holds and live updates compare); these words are drawn
# from it as a table is built, and drawn again in another language by `worded`.
ORGANISERS_DECISION = gettext_noop("organiser's decision")


def criterion_name(label: str | None) -> str:
    """A criterion the standings engine names (its label, as events/standings.py marks it), in the active
    language."""
    return gettext(label) if label else ""


def row_note(row: dict) -> tuple[str, str]:
    """What a table row says of the next one: the note under its team (empty when points separate them) and
    its title, in the active language. Words of the table's markup, kept here so that live updates send the
    same words."""
    decided_by = row["decided_by"]
    if decided_by:
        title = gettext("Ahead of the next team on %(criterion)s") % {"criterion": criterion_name(decided_by)}
    elif row["undecided"]:
        title = gettext("Level with the next team on every criterion that can be decided yet")
    else:
        title = ""
    if decided_by and decided_by != standings.POINTS.label:
        note = gettext("ahead on %(criterion)s") % {"criterion": criterion_name(decided_by)}
    elif row["undecided"] and row.get("undecided_at"):
        note = gettext("level: order not decided (%(criterion)s not known)") % {
            "criterion": criterion_name(row["undecided_at"])}
    elif row["undecided"]:
        note = gettext("level: order not decided")
    else:
        note = ""
    return note, title


def worded(table: dict) -> dict:
    """The table with its words (each row's note and title, its form's letters and labels) in the active
    language; the figures, order and teams are the same objects. Cheap: no query, no markup."""
    rows = []
    for row in table["rows"]:
        row = {**row, "form": [{**result, **form_words(result)} for result in row.get("form") or []]}
        row["note"], row["title"] = row_note(row)
        rows.append(row)
    return {**table, "rows": rows}


def _engine_table(
    group: Group, hypothetical: Scores | None, matches: list[Match]
) -> tuple[standings.Table, dict[int, int] | None]:
    """The engine's table, and the fair play points it was given (None: not ranked by, or not known)."""
    teams, results, disciplinary = group_results(group, hypothetical, matches)
    rules = standings.get_rule_set(group.rule_set_name)
    fair_play = fair_play_from_cards(matches) if rules.uses_fair_play else None
    table = standings.compute_table(
        [team.id for team in teams], results, rules, disciplinary_points=disciplinary, fair_play_points=fair_play
    )
    return table, fair_play


def _undecided_blocks(table: standings.Table) -> list[list[standings.Row]]:
    """Runs of rows level on everything the data can decide (each undecided row is level with the next)."""
    blocks, current = [], []
    for row in table.rows:
        current.append(row)
        if not row.undecided:
            if len(current) > 1:
                blocks.append(current)
            current = []
    return blocks


def undecided_blocks(group: Group) -> list[dict]:
    """The sets of teams the group's table leaves level, before any organiser's order: what may be settled."""
    table, _fair_play = _engine_table(group, None, list(group.matches.select_related("home", "away")))
    return [
        {"teams": [row.team for row in block], "criterion": block[0].undecided_at} for block in _undecided_blocks(table)
    ]


def _settled_rows(group: Group, table: standings.Table) -> dict[int, dict]:
    """For each team of a level block an organiser has ordered: its place in that order and why."""
    settlements = list(group.settlements.order_by("-created_at", "-id"))
    settled: dict[int, dict] = {}
    for block in _undecided_blocks(table):
        teams = {row.team for row in block}
        settlement = next((s for s in settlements if set(s.teams) == teams), None)
        if settlement is None:
            continue
        for index, team in enumerate(settlement.teams):
            settled[team] = {
                "order": index,
                "reason": settlement.reason,
                "criterion": settlement.criterion,
                "at": settlement.created_at.isoformat(),
            }
    return settled


# The league-phase verdicts in the words the scenarios panel uses for a group's.
LEAGUE_STATUS = {
    league_scenarios.CERTAIN: "clinched",
    league_scenarios.IMPOSSIBLE: "impossible",
    league_scenarios.DEPENDS: "depends",
    league_scenarios.UNDECIDED: "undecided",
}


def _league_phase_scenarios(teams, results, remaining, rules, names) -> list[dict]:
    """A 36-team table's verdicts (top 8, top 24) per team, proved by bounds (events/league_scenarios.py).

    Only finished matches count as results there: a match in progress is one still to play.
    """
    finished = [result for result in results if result.finished]
    found = league_scenarios.league_scenarios(
        [team.id for team in teams], finished, remaining, rules, names=names
    )
    teams_by_id = {team.id: team for team in teams}
    by_team: dict[int, list] = {}
    for scenario in found:
        by_team.setdefault(scenario.team, []).append(scenario)
    return [
        {
            "team": team_dict(teams_by_id[team]),
            "summary": [{"line": scenario.line.key, "text": scenario.summary} for scenario in lines],
            "lines": [
                {
                    "line": scenario.line.key,
                    "line_label": str(scenario.line.label),
                    "status": LEAGUE_STATUS[scenario.status],
                    "summary": scenario.summary,
                    "best_position": scenario.best_position,
                    "worst_position": scenario.worst_position,
                }
                for scenario in lines
            ],
        }
        for team, lines in by_team.items()
    ]


def settlement_history(group: Group) -> list[dict]:
    """The orders organisers gave level teams of this group, newest first: public, like every correction."""
    names = dict(Team.objects.filter(pk__in={t for s in group.settlements.all() for t in s.teams}).values_list(
        "id", "name"))
    return [
        {
            "teams": [names.get(team, str(team)) for team in settlement.teams],
            "criterion": settlement.criterion,
            "reason": settlement.reason,
            "at": settlement.created_at.isoformat(),
            "by": user_role(settlement.user) if settlement.user else None,
        }
        for settlement in group.settlements.select_related("user").prefetch_related("user__groups").order_by(
            "-created_at", "-id")
    ]


def _ordered(rows: list[standings.Row], settled: dict[int, dict]) -> list[standings.Row]:
    """The engine's rows with each settled block in the organiser's order: positions follow, and the rows
    are no longer undecided (the last row of a block keeps what separated the block from the next)."""
    if not settled:
        return rows
    ordered = list(rows)
    start = 0
    while start < len(ordered):
        end = start
        while ordered[end].undecided and end + 1 < len(ordered):
            end += 1
        block = ordered[start : end + 1]
        if len(block) > 1 and all(row.team in settled for row in block):
            block.sort(key=lambda row: settled[row.team]["order"])
            last_separator = ordered[end].decided_by
            for offset, row in enumerate(block):
                is_last = offset == len(block) - 1
                ordered[start + offset] = replace(
                    row,
                    position=start + offset + 1,
                    undecided=False,
                    undecided_at=None,
                    decided_by=last_separator if is_last else ORGANISERS_DECISION,
                )
        start = end + 1
    return ordered


FORM_LENGTH = 5
# A result's letter and the label behind it, by result and by whether it is the reader's own (the predictor's).
FORM_LETTERS = {
    "W": pgettext_lazy("form: a match won", "W"),
    "D": pgettext_lazy("form: a match drawn", "D"),
    "L": pgettext_lazy("form: a match lost", "L"),
}
FORM_LABELS = {
    ("W", False): gettext_lazy("Won %(score)s v %(opponent)s"),
    ("D", False): gettext_lazy("Drew %(score)s v %(opponent)s"),
    ("L", False): gettext_lazy("Lost %(score)s v %(opponent)s"),
    ("W", True): gettext_lazy("Won %(score)s v %(opponent)s (your score)"),
    ("D", True): gettext_lazy("Drew %(score)s v %(opponent)s (your score)"),
    ("L", True): gettext_lazy("Lost %(score)s v %(opponent)s (your score)"),
}


def form_words(result: dict) -> dict:
    """A form result's letter and label, in the active language (`result`: W, D or L, for the table's
    classes)."""
    score = "{}-{}".format(*result["score"])
    return {
        "letter": str(FORM_LETTERS[result["result"]]),
        "label": str(FORM_LABELS[result["result"], result["predicted"]]) % {
            "score": score, "opponent": result["opponent"]},
    }


def team_forms(matches: list[Match], hypothetical: Scores) -> dict[int, list[dict]]:
    """Each team's last FORM_LENGTH results in the group, oldest first: finished matches, and the
    predictor's scores where it has some (they are marked). Matches in progress are not form yet."""
    forms: dict[int, list[dict]] = {}
    for match in sorted(matches, key=lambda m: (m.kickoff, m.id)):
        if match.id in hypothetical:
            (home_goals, away_goals), predicted = hypothetical[match.id], True
        elif match.status == Match.Status.FINISHED:
            (home_goals, away_goals), predicted = (match.home_score, match.away_score), False
        else:
            continue
        for team, opponent, scored, conceded in (
            (match.home, match.away, home_goals, away_goals),
            (match.away, match.home, away_goals, home_goals),
        ):
            result = {
                "match_id": match.id,
                "result": "W" if scored > conceded else "D" if scored == conceded else "L",
                "score": [scored, conceded],
                "opponent": opponent.short_name or opponent.name,
                "predicted": predicted,
            }
            forms.setdefault(team.id, []).append({**result, **form_words(result)})
    return {team: results[-FORM_LENGTH:] for team, results in forms.items()}


def table_positions_before(group: Group, matchday: int) -> dict[int, int]:
    """Each team's position with only the matchdays before `matchday` counted: what the arrows move from."""
    teams, _results, _disciplinary = group_results(group)
    earlier = group.matches.filter(matchday__lt=matchday, status=Match.Status.FINISHED)
    results = [standings.Result(m.home_id, m.away_id, m.home_score, m.away_score) for m in earlier]
    table = standings.compute_table([team.id for team in teams], results, group.rule_set_name)
    return {row.team: row.position for row in table.rows}


def group_scenarios(group: Group, hypothetical: Scores | None = None) -> dict:
    """Who can still finish where, and what it depends on, under the group's rule set.

    Cached per state of the group (the seqs of its matches, plus any hypothetical scores):
    every open matchday page asks again after each change, and the answer is the same.
    """
    hypothetical = hypothetical or {}
    matches = list(group.matches.select_related("home", "away").order_by("id"))
    state = ",".join(f"{m.id}:{m.seq}" for m in matches) + "|" + ",".join(
        f"{k}:{h}-{a}" for k, (h, a) in sorted(hypothetical.items()))
    # Its sentences are in the reader's language: one answer per language.
    language = translation.get_language()
    key = "scenarios:" + hashlib.sha256(f"{group.id}|{group.rule_set_name}|{state}|{language}".encode()).hexdigest()
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
    rules = standings.get_rule_set(group.rule_set_name)
    if remaining and group.rule_set_name in formats.FORMATS:
        answer["teams"] = _league_phase_scenarios(teams, results, remaining, rules, names)
    elif remaining:
        try:
            found = scenarios.scenarios([t.id for t in teams], results, remaining, group.rule_set_name,
                                        names=names, disciplinary_points=disciplinary)
        except ValueError as error:
            answer.update(available=False, detail=str(error))
            found = []
        teams_by_id = {team.id: team for team in teams}
        by_team: dict[int, list[scenarios.TeamScenario]] = {}
        for scenario in found:
            by_team.setdefault(scenario.team, []).append(scenario)
        answer["teams"] = [
            {
                "team": team_dict(teams_by_id[team]),
                # What the team needs in a few sentences; the lines below give the reasoning.
                "summary": [sentence.to_dict() for sentence in scenarios.team_summary(
                    lines, points_for_win=rules.points_for_win, points_for_draw=rules.points_for_draw)],
                "lines": [scenario.to_dict() for scenario in lines],
            }
            for team, lines in by_team.items()
        ]
    try:
        cache.set(key, answer, 300)
    except Exception:
        logger.warning("Scenarios not cached: the cache is unavailable", exc_info=True)
    return answer
