"""Server-rendered markup sent along with live messages, so pages never build it in JavaScript."""

import re

from django.template.loader import render_to_string

from .reads.shapes import running_scores

# A run of whitespace that holds a line break: template indentation, most of a fragment's bytes.
# Outside <pre> (which no fragment has) HTML shows any such run as one space, so it is sent as one:
# a change goes to every fan, and a third of its size was indentation.
INDENTATION = re.compile(r"\s*\n\s*")


def render(template: str, context: dict, *, between_lines: str = " ") -> str:
    return INDENTATION.sub(between_lines, render_to_string(template, context)).strip()


def with_running_score(event: dict, scores: dict[int, str]) -> dict:
    """The event as its row shows it: a goal that counts says the score it made."""
    score = scores.get(event["id"]) if event.get("is_goal") and event.get("state") == "active" else None
    return {**event, "running_score": score} if score else event


def event_html(event: dict, goals: list[dict] | None = None) -> str:
    """One timeline row; `goals` (the match state's) gives a goal row its running score. Its line breaks fall
    only between a grid's or a block's children, or beside a space, where a browser shows nothing of them: the
    row goes to every fan without them."""
    return render("events/_event.html", {"event": with_running_score(event, running_scores(goals or []))},
                  between_lines="")


def timeline_html(events: list[dict], goals: list[dict] | None = None) -> str:
    scores = running_scores(goals or [])
    return render("events/_timeline.html", {"events": [with_running_score(event, scores) for event in events]})


def scorers_html(match: dict) -> str:
    """Who scored, under the score: each side's scorers with their minutes, penalties and own goals marked."""
    return render("events/_scorers.html", {"sides": scorers_by_side(match.get("goals") or [])})


def scorers_side_html(match: dict, side: str) -> str:
    """One side's scorers alone (a fan's change sends it when only that side's goals changed)."""
    return render("events/_scorers_side.html", {"side": side, "lines": scorers_by_side(match.get("goals") or [])[side]})


def scorer_line_html(match: dict, goal: dict) -> str:
    """The line of the scorer of `goal` (one of the match's goals), alone: a fan's change sends it for a goal
    that comes last in the match, so the line is the scorer's own, or a new one at the end of the side's list."""
    lines = scorers_by_side(match.get("goals") or [])[goal["side"]]
    line = next(line for line in lines if any(scored["event"] == goal["event"] for scored in line["goals"]))
    return render("events/_scorer_line.html", {"side": goal["side"], "line": line})


def scorers_by_side(goals: list[dict]) -> dict[str, list[dict]]:
    """Each side's scorers in the order they first scored, a player's goals on one line ("Salah 12', 67' pen")."""
    sides: dict[str, dict] = {"home": {}, "away": {}}
    for goal in goals:
        scorer = goal["player"]
        key = scorer["id"] if scorer["id"] is not None else f"unnamed-{goal['event']}"
        line = sides[goal["side"]].setdefault(key, {"key": key, "player": scorer, "goals": []})
        line["goals"].append(goal)
    return {side: list(lines.values()) for side, lines in sides.items()}


def knockout_html(match: dict) -> str:
    """The tie in words, extra time and the shootout kick by kick, under the score (empty outside knockouts)."""
    return render("events/_knockout.html", {"knockout": match.get("knockout")})


def table_html(table: dict) -> str:
    return render("events/_table.html", {"table": table})


def table_form_html(row: dict) -> str:
    """A table row's form cell, alone: a live table change sends it for a row whose form changed."""
    return render("events/_table_form.html", {"row": row})


def history_html(entries: list[dict]) -> str:
    return render("events/_history.html", {"entries": entries})


def history_entry_html(entry: dict) -> str:
    return render("events/_history_entry.html", {"entry": entry})


def scenarios_html(found: dict) -> str:
    return render("events/_scenarios.html", {"scenarios": found})
