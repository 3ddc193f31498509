"""Server-rendered markup sent along with live messages, so pages never build it in JavaScript."""

from django.template.loader import render_to_string


def event_html(event: dict) -> str:
    return render_to_string("events/_event.html", {"event": event})


def timeline_html(events: list[dict]) -> str:
    return render_to_string("events/_timeline.html", {"events": events})


def table_html(table: dict) -> str:
    return render_to_string("events/_table.html", {"table": table})


def history_html(entries: list[dict]) -> str:
    return render_to_string("events/_history.html", {"entries": entries})


def history_entry_html(entry: dict) -> str:
    return render_to_string("events/_history_entry.html", {"entry": entry})


def scenarios_html(found: dict) -> str:
    return render_to_string("events/_scenarios.html", {"scenarios": found})
