"""A team's path through a tournament: its group as the table stands, its matches in order with their
results and its scorers, where it goes next (from the fixed path of the 2026 World Cup or from the
bracket's ties) or how it went out, and its scorers in the tournament.

Data only: the words a sentence needs are chosen here, so that the page and any other reader say the
same. Reads in a number of queries that does not grow with the team's matches: the tables and the
bracket are read once for the competition, the goals once for all the team's matches.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .. import world_cup
from ..models import GOAL_KINDS, Competition, EventKind, Group, Match, MatchEvent, Team, Tie
from ..pitch import event_time
from .bracket import group_stage_projection, knockout_rounds
from .shapes import match_state, minute_label, team_dict
from .tables import group_table

PLAYED = (Match.Status.LIVE, Match.Status.FINISHED)
# Zones whose teams go no further (a group's "out", a league phase's "eliminated").
OUT_ZONES = frozenset({"out", "eliminated"})
# A table longer than this (a league phase of 36) is shown around the team: this many rows either side.
COMPACT_ROWS = 8
ROWS_AROUND = 3


class NotInCompetition(LookupError):
    """The team plays no match of the competition."""


def team_path(competition: Competition, team: Team) -> dict:
    """Raises NotInCompetition for a team without a match in the competition."""
    matches = list(
        Match.objects.filter(competition=competition)
        .filter(Q(home=team) | Q(away=team))
        .select_related("home", "away", "group__stage", "group__competition", "tie__stage")
        .order_by("kickoff", "id")
    )
    if not matches:
        raise NotInCompetition(f"{team} plays no match of {competition}")
    goals = _goals_by_match(matches)
    shaped = [_match_dict(match, team, goals.get(match.id, [])) for match in matches]
    all_matches = list(Match.objects.filter(competition=competition).values_list("id", "seq", "group_id", "status"))
    groups = _groups(team, matches, all_matches)
    knockout_matches = [match for match in matches if match.group_id is None]
    rounds = knockout_rounds(competition) if knockout_matches else None
    record = _knockout_record(team, knockout_matches, rounds) if rounds is not None else []
    next_step = _next_step(competition, team, groups, record, rounds)
    next_match = next((match for match in shaped if match["status"] in (Match.Status.LIVE, Match.Status.SCHEDULED)),
                      None)
    return {
        "competition": {"id": competition.id, "name": str(competition)},
        "team": team_dict(team),
        "groups": groups,
        "matches": shaped,
        "next_match": next_match,
        "next_step": next_step,
        "scorers": _tournament_scorers(team, goals),
        "followed": _followed(matches, groups, next_step, all_matches),
        "live": {str(match.id): match_state(match) for match in matches if match.status == Match.Status.LIVE},
    }


# --- the team's matches -------------------------------------------------------------------------------


def _goals_by_match(matches: list[Match]) -> dict[int, list[MatchEvent]]:
    """The goals that count in these matches, in match order, with their scorers: one query."""
    events = MatchEvent.objects.filter(
        match__in=[match.id for match in matches], kind__in=list(GOAL_KINDS), state=MatchEvent.State.ACTIVE
    ).select_related("player")
    by_match: dict[int, list[MatchEvent]] = {}
    for event in sorted(events, key=event_time):
        by_match.setdefault(event.match_id, []).append(event)
    return by_match


def _counts_for(event: MatchEvent, team: Team) -> bool:
    """An own goal counts for the other side, as in the score (services/commit.py)."""
    return (event.team_id == team.id) != (event.kind == EventKind.OWN_GOAL)


def _round_label(match: Match) -> str:
    if match.group_id is not None:
        if not match.matchday:
            return match.group.name
        return _("%(group)s, matchday %(matchday)s") % {"group": match.group.name, "matchday": match.matchday}
    name = match.tie.stage.name if match.tie_id is not None else match.round_name
    if match.tie_id is not None and match.tie.stage.legs == 2 and match.leg in (1, 2):
        leg = _("%(round)s, first leg") if match.leg == 1 else _("%(round)s, second leg")
        return leg % {"round": name}
    return name or _("Knockout match")


def _match_dict(match: Match, team: Team, goals: list[MatchEvent]) -> dict:
    side = "home" if match.home_id == team.id else "away"
    opponent = match.away if side == "home" else match.home
    scored, conceded = (match.home_score, match.away_score) if side == "home" else (match.away_score, match.home_score)
    penalties = None
    if match.home_penalties is not None:
        penalties = (match.home_penalties, match.away_penalties) if side == "home" else (
            match.away_penalties, match.home_penalties)
    return {
        "id": match.id,
        "seq": match.seq,
        "round": _round_label(match),
        "knockout": match.group_id is None,
        "group": {"id": match.group_id, "name": match.group.name} if match.group_id else None,
        "kickoff": match.kickoff.isoformat(),
        "venue": match.venue,
        "status": match.status,
        "status_label": match.get_status_display(),
        "period_label": match.get_period_display(),
        "side": side,
        "home": team_dict(match.home),
        "away": team_dict(match.away),
        "opponent": team_dict(opponent),
        "home_score": match.home_score,
        "away_score": match.away_score,
        "extra_time": match.extra_time_played,
        "penalties": {"home": match.home_penalties, "away": match.away_penalties} if penalties else None,
        "outcome": _outcome(scored, conceded, penalties) if match.status == Match.Status.FINISHED else None,
        "result": _result_words(match, scored, conceded, penalties),
        "scorers": _match_scorers(team, goals),
    }


def _outcome(scored: int, conceded: int, penalties: tuple[int, int] | None) -> str:
    if scored == conceded and penalties is not None:
        scored, conceded = penalties
    return "won" if scored > conceded else "lost" if scored < conceded else "drawn"


def _result_words(match: Match, scored: int, conceded: int, penalties: tuple[int, int] | None) -> str:
    """The result in the team's words, its goals first: "Won 2-0", "3-3 after extra time, won 4-2 on penalties"
    (an en dash between the goals)."""
    if match.status not in PLAYED:
        return ""
    score = f"{scored}–{conceded}"
    if match.extra_time_played:
        score = _("%(score)s after extra time") % {"score": score}
    if penalties is not None:
        shoot_out = {"score": score, "penalties": f"{penalties[0]}–{penalties[1]}"}
        if match.status == Match.Status.LIVE:
            return _("%(score)s, %(penalties)s on penalties") % shoot_out
        if scored == conceded:
            won = penalties[0] > penalties[1]
            return (_("%(score)s, won %(penalties)s on penalties") if won
                    else _("%(score)s, lost %(penalties)s on penalties")) % shoot_out
    if match.status == Match.Status.LIVE:
        return score
    if scored > conceded:
        return _("Won %(score)s") % {"score": score}
    if scored < conceded:
        return _("Lost %(score)s") % {"score": score}
    return _("Drew %(score)s") % {"score": score}


def _match_scorers(team: Team, goals: list[MatchEvent]) -> list[dict]:
    """The team's goals in one match, one line per scorer in the order of their first goal ("Messi 23' pen, 108'");
    an opponent's own goal names its scorer and says so."""
    lines: dict[tuple, dict] = {}
    for event in goals:
        if not _counts_for(event, team):
            continue
        own_goal = event.kind == EventKind.OWN_GOAL
        key = (event.player_id, own_goal)
        name = event.player.name if event.player_id else ""
        line = lines.setdefault(key, {"name": name, "own_goal": own_goal, "goals": []})
        line["goals"].append({"event": event.id, "kind": event.kind,
                              "minute_label": minute_label(event.minute, event.added_minute)})
    return list(lines.values())


def _tournament_scorers(team: Team, goals: dict[int, list[MatchEvent]]) -> list[dict]:
    """The team's players by goals in the tournament, most first (own goals for it are nobody's)."""
    tally: dict[int, dict] = {}
    order = 0
    for events in goals.values():
        for event in events:
            if event.team_id != team.id or event.kind == EventKind.OWN_GOAL or not event.player_id:
                continue
            entry = tally.setdefault(event.player_id, {
                "player": {"id": event.player.id, "name": event.player.name,
                           "short_name": event.player.short_name or event.player.name},
                "goals": 0, "penalties": 0, "first": order})
            entry["goals"] += 1
            entry["penalties"] += event.kind == EventKind.PENALTY_GOAL
            order += 1
    ranked = sorted(tally.values(), key=lambda entry: (-entry["goals"], entry["first"]))
    return [{key: value for key, value in entry.items() if key != "first"} for entry in ranked]


# --- its group ------------------------------------------------------------------------------------------


def _groups(team: Team, matches: list[Match], all_matches: list[tuple]) -> list[dict]:
    """Each group the team played in, in the order of the stages, with its table as it stands, compact."""
    groups: dict[int, Group] = {match.group_id: match.group for match in matches if match.group_id is not None}
    ordered = sorted(groups.values(), key=lambda group: (group.stage.order if group.stage_id else 0, group.name))
    first_stage = min((group.stage.order if group.stage_id else 0 for group in ordered), default=0)
    shaped = []
    for group in ordered:
        table = group_table(group)
        rows = [
            {
                "position": row["position"],
                "team": row["team"],
                "played": row["played"],
                "won": row["won"],
                "drawn": row["drawn"],
                "lost": row["lost"],
                "goal_difference": row["goal_difference"],
                "points": row["points"],
                "zone": row["zone"],
                "undecided": row["undecided"],
                "is_team": row["team"]["id"] == team.id,
            }
            for row in table["rows"]
        ]
        own = next(row for row in rows if row["is_team"])
        size = len(rows)
        if size > COMPACT_ROWS:
            first = max(0, min(own["position"] - 1 - ROWS_AROUND, size - 2 * ROWS_AROUND - 1))
            rows = rows[first:first + 2 * ROWS_AROUND + 1]
        shaped.append({
            "id": group.id,
            "name": group.name,
            "position": own["position"],
            "place": _ordinal(own["position"]),
            "points": own["points"],
            "played": own["played"],
            # Zones say where the first group stage leads; a later group's positions lead elsewhere.
            "zone": own["zone"] if (group.stage.order if group.stage_id else 0) == first_stage else None,
            "complete": all(status == Match.Status.FINISHED for _, _, group_id, status in all_matches
                            if group_id == group.id),
            "provisional": table["provisional"],
            "rule_set": table["rule_set"]["label"],
            "size": size,
            "rows": rows,
        })
    return shaped


def _ordinal(position: int) -> str:
    """A place in the reader's language: 1st, 2nd, 3rd and 11th in English; 1., 2. in German; 1º in Italian and
    Spanish; 1e in Dutch. English needs four endings, so there are four messages, each language filling all four."""
    if position % 100 in (11, 12, 13):
        ordinal = pgettext("ordinal: other numbers, as 4th, 11th, 12th, 13th", "%(position)sth")
    elif position % 10 == 1:
        ordinal = pgettext("ordinal: numbers ending in 1 (not 11), as 1st, 21st", "%(position)sst")
    elif position % 10 == 2:
        ordinal = pgettext("ordinal: numbers ending in 2 (not 12), as 2nd, 22nd", "%(position)snd")
    elif position % 10 == 3:
        ordinal = pgettext("ordinal: numbers ending in 3 (not 13), as 3rd, 23rd", "%(position)srd")
    else:
        ordinal = pgettext("ordinal: other numbers, as 4th, 11th, 12th, 13th", "%(position)sth")
    return ordinal % {"position": position}


def _group_step(group: dict) -> dict:
    """Where the team's place in its (last) group leads, in words: through, out, or ranked with the thirds."""
    place = _("%(place)s in %(group)s") % {"place": _ordinal(group["position"]), "group": group["name"]}
    zone = group["zone"]
    key = zone["key"] if zone else None
    # The zones' labels are the tables' messages, in English until translated here.
    words = {"place": place, "zone": _(zone["label"]) if zone else ""}
    if group["complete"]:
        if key in OUT_ZONES:
            state, sentence = "out", _("Out: %(reason)s") % {"reason": place}
        elif key == "best-thirds":
            state, sentence = "group", _("%(place)s: ranked with the other third-placed teams") % words
        elif zone:
            state, sentence = "through", _("Through to the %(zone)s: %(place)s") % words
        else:
            state, sentence = "group", _("Finished %(place)s") % words
    elif key in OUT_ZONES:
        state, sentence = "group", _("As it stands: %(reason)s, out") % {"reason": place}
    elif key == "best-thirds":
        state, sentence = "group", _("As it stands: %(place)s, ranked with the other third-placed teams") % words
    elif zone:
        state, sentence = "group", _("As it stands: %(place)s, into the %(zone)s") % words
    else:
        state, sentence = "group", _("As it stands: %(place)s") % words
    return {"state": state, "sentence": sentence, "group": {"id": group["id"], "name": group["name"]}}


# --- the knockout rounds ----------------------------------------------------------------------------------


def _knockout_record(team: Team, matches: list[Match], rounds: list[dict]) -> list[dict]:
    """The team's knockout ties in the order played, each judged: by the bracket's engine where the match is a
    tie's leg, from its own score, extra time and shoot-out where it is not."""
    ties = {tie["id"]: (stage, tie) for stage in rounds for tie in stage["ties"]}
    final_stage = _final_stage(rounds)
    record: list[dict] = []
    seen: set[int] = set()
    for match in matches:
        if match.tie_id is not None and match.tie_id in ties:
            if match.tie_id in seen:
                continue
            seen.add(match.tie_id)
            stage, tie = ties[match.tie_id]
            record.append(_tie_entry(team, stage, tie, final_stage))
        else:
            record.append(_loose_entry(team, match, final_stage))
    return record


def _final_stage(rounds: list[dict]) -> str | None:
    """The last knockout round that is not a third-place match: its winner wins the tournament."""
    finals = [stage["name"] for stage in rounds if not _is_third_place(stage["name"])]
    return finals[-1] if finals else None


def _is_third_place(stage_name: str) -> bool:
    """The match for third place, however the record names it ("Third-place match", "Match for third place")."""
    return "third" in stage_name.lower()


def _tie_entry(team: Team, stage: dict, tie: dict, final_stage: str | None) -> dict:
    ours = "home" if tie["home"]["team"] and tie["home"]["team"]["id"] == team.id else "away"
    theirs = tie["away" if ours == "home" else "home"]
    entry = {"round": stage["name"], "final": stage["name"] == final_stage, "tie": tie["id"],
             "opponent": theirs["team"], "decided": tie["winner"] is not None, "won": None, "how": "",
             "problem": tie["problem"], "state": tie["state"]["sentence"] if tie["state"] else "",
             "played": bool(tie["legs"]) and all(leg["status"] == Match.Status.FINISHED for leg in tie["legs"])}
    if tie["winner"] is None:
        return entry
    entry["won"] = tie["winner"]["team"]["id"] == team.id
    if tie["winner"].get("settled"):
        entry["how"] = _("as the organiser recorded")
        return entry
    aggregate = tie["aggregate"] or [0, 0]
    scored, conceded = (aggregate[0], aggregate[1]) if ours == "home" else (aggregate[1], aggregate[0])
    entry["score"], entry["how"] = _how(tie["decided_by"], scored, conceded, two_legs=len(tie["legs"]) > 1)
    return entry


def _loose_entry(team: Team, match: Match, final_stage: str | None) -> dict:
    round_name = match.round_name or _("knockout match")
    entry = {"round": round_name, "final": round_name == final_stage, "tie": None,
             "opponent": team_dict(match.away if match.home_id == team.id else match.home),
             "decided": False, "won": None, "how": "", "problem": None, "state": "",
             "played": match.status == Match.Status.FINISHED}
    if match.status != Match.Status.FINISHED:
        return entry
    home = match.home_id == team.id
    scored, conceded = (match.home_score, match.away_score) if home else (match.away_score, match.home_score)
    if scored == conceded and match.home_penalties is not None:
        pens = (match.home_penalties, match.away_penalties) if home else (match.away_penalties, match.home_penalties)
        entry.update(decided=pens[0] != pens[1], won=pens[0] > pens[1], score=None, how=_("on penalties"))
    elif scored != conceded:
        decided_by = "extra_time" if match.extra_time_played else "aggregate"
        entry["score"], entry["how"] = _how(decided_by, scored, conceded, two_legs=False)
        entry.update(decided=True, won=scored > conceded)
    return entry


def _how(decided_by: str | None, scored: int, conceded: int, *, two_legs: bool) -> tuple[str | None, str]:
    """The score worth saying and how the tie was decided: ("2-1", "after extra time"), (None, "on penalties")."""
    score = f"{scored}–{conceded}"
    if decided_by == "penalties":
        return None, _("on penalties")
    if decided_by == "extra_time":
        return score, _("after extra time")
    if decided_by == "away_goals":
        return score, _("on away goals")
    return score, _("on aggregate") if two_legs else ""


def _beat_or_lost(entry: dict) -> str:
    """ "beat France on penalties", "lost 1-2 to Argentina after extra time"."""
    words = {"opponent": entry["opponent"]["name"] if entry["opponent"] else _("their opponent"),
             "score": entry.get("score") or "", "how": entry["how"]}
    # A whole phrase for each mix of score and manner, so that each language orders them its own way.
    if entry["won"]:
        if words["score"] and words["how"]:
            return _("beat %(opponent)s %(score)s %(how)s") % words
        if words["score"]:
            return _("beat %(opponent)s %(score)s") % words
        if words["how"]:
            return _("beat %(opponent)s %(how)s") % words
        return _("beat %(opponent)s") % words
    if words["score"] and words["how"]:
        return _("lost %(score)s to %(opponent)s %(how)s") % words
    if words["score"]:
        return _("lost %(score)s to %(opponent)s") % words
    if words["how"]:
        return _("lost to %(opponent)s %(how)s") % words
    return _("lost to %(opponent)s") % words


def _after_knockout(entry: dict) -> dict | None:
    """The step a decided tie leads to when it ends the team's path (out, champion, third or fourth place)."""
    words = {"reason": _("%(result)s in the %(round)s") % {"result": _beat_or_lost(entry), "round": entry["round"]}}
    if _is_third_place(entry["round"]):
        if entry["won"]:
            return {"state": "third", "sentence": _("Third place: %(reason)s") % words}
        return {"state": "fourth", "sentence": _("Fourth place: %(reason)s") % words}
    if not entry["won"]:
        return {"state": "out", "sentence": _("Out: %(reason)s") % words, "round": entry["round"],
                "opponent": entry["opponent"]}
    if entry["final"]:
        return {"state": "champion", "sentence": _("Champions: %(reason)s") % words, "round": entry["round"],
                "opponent": entry["opponent"]}
    return None


# --- where it goes next ---------------------------------------------------------------------------------


def _next_step(competition: Competition, team: Team, groups: list[dict], record: list[dict],
               rounds: list[dict] | None) -> dict | None:
    """Beyond the team's next fixture: the knockout step ahead as it stands, or how the path ended.

    None while the team's next knockout tie is a fixture already (the list of matches shows it)."""
    if record:
        last = record[-1]
        if not last["decided"]:
            if last["problem"]:
                return {"state": "undecided", "sentence": _("The record cannot decide the %(round)s: %(problem)s")
                        % {"round": last["round"], "problem": last["problem"]}}
            if last["played"]:
                # Played to the end, and still no winner: a shoot-out the record lost. Said, never guessed.
                words = {"round": last["round"], "state": last["state"]}
                sentence = (_("%(round)s: %(state)s; who went through is not recorded") if last["state"]
                            else _("%(round)s: who went through is not recorded")) % words
                return {"state": "undecided", "sentence": sentence}
            return None
        ended = _after_knockout(last)
        if ended is not None:
            return ended
        ahead = _next_tie(last) or _projected(competition, team, rounds, groups)
        if ahead is not None and ahead["state"] == "projected" and _same_team(ahead["opponent"]["team"],
                                                                             last["opponent"]):
            ahead = None  # the place it just won, the path not yet filled beyond it
        return ahead or {"state": "through", "sentence": _(
            "Through: %(result)s in the %(round)s; the next opponent is not known yet")
            % {"result": _beat_or_lost(last), "round": last["round"]}}
    projected = _projected(competition, team, rounds, groups)
    if projected is not None:
        return projected
    if groups:
        return _group_step(groups[-1])
    return None


def _same_team(one: dict | None, other: dict | None) -> bool:
    return one is not None and other is not None and one["id"] == other["id"]


def _next_tie(entry: dict) -> dict | None:
    """The tie the bracket sends the winner of `entry` to, when the ties are linked."""
    if entry["tie"] is None:
        return None
    fed = Tie.objects.select_related("next_tie__stage", "next_tie__team_a", "next_tie__team_b").get(pk=entry["tie"])
    tie = fed.next_tie
    if tie is None:
        return None
    if fed.next_side == Tie.Side.A:
        other_team, other_source = tie.team_b, tie.team_b_source
    else:
        other_team, other_source = tie.team_a, tie.team_a_source
    opponent = {"from": other_source, "team": team_dict(other_team) if other_team else None,
                "status": world_cup.CONFIRMED if other_team else world_cup.OPEN}
    label = other_team.name if other_team else (other_source or _("an opponent not known yet"))
    return {"state": "next_tie", "round": tie.stage.name, "opponent": opponent,
            "sentence": _("%(round)s: v %(opponent)s") % {"round": tie.stage.name, "opponent": label},
            "as_it_stands": False}


def _projected(competition: Competition, team: Team, rounds: list[dict] | None, groups: list[dict]) -> dict | None:
    """The team's latest place in the fixed knockout path (2026), as the tables and results stand; None without
    such a path. A team in no place is out, or out as it stands."""
    projection = group_stage_projection(competition, rounds)
    if projection is None:
        return None
    found = None
    for entry in projection["rounds"]:
        for match in entry["matches"]:
            for ours, theirs in (("home", "away"), ("away", "home")):
                side = match[ours]
                if side["team"] is not None and side["team"]["id"] == team.id:
                    found = (entry["name"], match, side, match[theirs])
    if found is None:
        return _missed_the_path(team, projection, groups)
    round_name, match, own, opponent = found
    as_it_stands = world_cup.AS_IT_STANDS in (own["status"], opponent["status"])
    return {
        "state": "projected",
        "round": round_name,
        "number": match["number"],
        "own": {"from": own["from"], "status": own["status"]},
        "opponent": {"from": opponent["from"], "team": opponent["team"], "status": opponent["status"]},
        "as_it_stands": as_it_stands,
        "sentence": _("%(round)s, match %(number)s: v %(opponent)s")
        % {"round": round_name, "number": match["number"], "opponent": opponent["from"]},
    }


def _missed_the_path(team: Team, projection: dict, groups: list[dict]) -> dict:
    """A team the path has no place for: third but not among the best thirds, or below third."""
    thirds = projection["third_placed"] or {"rows": [], "qualifiers": 0}
    row = next((row for row in thirds["rows"] if row["team"]["id"] == team.id), None)
    if row is not None:
        reason = _("%(place)s in %(group)s, not among the %(count)s best third-placed teams") % {
            "place": _ordinal(3), "group": row["group"]["name"], "count": thirds["qualifiers"]}
    elif groups:
        reason = _("%(place)s in %(group)s") % {"place": _ordinal(groups[-1]["position"]), "group": groups[-1]["name"]}
    else:
        reason = _("not placed in the knockout rounds")
    if projection["complete"]:
        return {"state": "out", "sentence": _("Out: %(reason)s") % {"reason": reason}}
    return {"state": "group", "sentence": _("As it stands: %(reason)s, out") % {"reason": reason}}


def _followed(matches: list[Match], groups: list[dict], next_step: dict | None, all_matches: list[tuple]) -> dict:
    """The matches whose changes alter this page, with the seq it shows of each: the team's, its groups', and,
    while its next step rests on the other groups or the other ties, every match of the competition."""
    widely = next_step is not None and next_step["state"] in ("projected", "next_tie", "through")
    group_ids = {group["id"] for group in groups}
    own = {match.id for match in matches}
    return {
        str(match_id): seq
        for match_id, seq, group_id, _status in all_matches
        if widely or match_id in own or group_id in group_ids
    }
