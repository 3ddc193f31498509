"""Server-rendered markup sent along with live messages, so pages never build it in JavaScript."""

import re

from django.template.loader import render_to_string

# A run of whitespace that holds a line break: template indentation, most of a fragment's bytes.
# Outside <pre> (which no fragment has) HTML shows any such run as one space, so it is sent as one:
# a change goes to every fan, and a third of its size was indentation.
INDENTATION = re.compile(r"\s*\n\s*")


def render(template: str, context: dict) -> str:
    return INDENTATION.sub(" ", render_to_string(template, context)).strip()


def event_html(event: dict) -> str:
    return render("events/_event.html", {"event": event})


def timeline_html(events: list[dict]) -> str:
    return render("events/_timeline.html", {"events": events})


def table_html(table: dict) -> str:
    return render("events/_table.html", {"table": table})


def history_html(entries: list[dict]) -> str:
    return render("events/_history.html", {"entries": entries})


def history_entry_html(entry: dict) -> str:
    return render("events/_history_entry.html", {"entry": entry})


def scenarios_html(found: dict) -> str:
    return render("events/_scenarios.html", {"scenarios": found})
