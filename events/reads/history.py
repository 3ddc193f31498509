"""The public record of corrections: what changed, when, by whom (by role) and why, as fans read it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Change, EventKind, MatchEvent

# Read in the active language when an entry is built (a page's, or each language's pushed change).
HISTORY_FIELDS = {
    "minute": gettext_lazy("minute"),
    "added_minute": gettext_lazy("added time"),
    "player": gettext_lazy("player"),
    "second_player": gettext_lazy("second player"),
    "team": gettext_lazy("team"),
    "kind": gettext_lazy("event"),
    "goal_type": gettext_lazy("goal type"),
    "commentary": gettext_lazy("commentary"),
}


def history_entry(change: Change, role: str | None) -> dict | None:
    """A correction as fans see it, or None for a change that corrects nothing (a new event)."""
    after, before = change.after or {}, change.before or {}
    if change.op == Change.Op.REMOVE:
        text = _("%(event)s removed") % {"event": describe_event(before)}
    elif change.op == Change.Op.RESULT:
        if not before:
            return None  # a result recorded for the first time corrects nothing
        state = change.match_state or {}
        def pair(part):  # by name: a JSON object's keys come back in no set order (PostgreSQL's jsonb)
            return [part["home"], part["away"]] if part else None

        now = {
            "home_goals": state.get("home_score"),
            "away_goals": state.get("away_score"),
            "extra_time": pair(state.get("extra_time")),
            "penalties": pair(state.get("penalties")),
        }
        text = _("Result corrected from %(before)s to %(now)s") % {
            "before": describe_result(before), "now": describe_result(now)}
    elif change.op != Change.Op.UPDATE:
        return None
    elif after.get("kind") == EventKind.VAR_CHECK and after.get("var_outcome") != before.get("var_outcome"):
        if not corrects_something(before.get("var_outcome"), after.get("var_outcome")):
            return None
        text = describe_var_decision(after, change.related)
    elif after.get("state") == MatchEvent.State.RETAKEN and before.get("state") != MatchEvent.State.RETAKEN:
        text = _("%(event)s ordered retaken") % {"event": describe_event(after)}
    else:
        changed = [label for field, label in HISTORY_FIELDS.items() if _value(before, field) != _value(after, field)]
        fields = ", ".join(str(label) for label in changed) or _("details")
        text = _("%(event)s: %(fields)s corrected") % {"event": describe_event(after), "fields": fields}
    return {
        "seq": change.seq,
        "at": change.created_at.isoformat(),
        "text": text,
        "by": role,
        "reason": change.reason,
    }


def describe_result(result: dict) -> str:
    """A recorded result in words: "0-1 after extra time, 1-4 on penalties"."""
    text = f"{result.get('home_goals')}-{result.get('away_goals')}"
    if result.get("extra_time"):
        text = _("%(score)s after extra time") % {"score": text}
    if result.get("penalties"):
        home, away = result["penalties"]
        text = _("%(score)s, %(home)s-%(away)s on penalties") % {"score": text, "home": home, "away": away}
    return text


def _value(event: dict, field: str):
    value = event.get(field)
    return value["id"] if isinstance(value, dict) else value


def describe_event(event: dict) -> str:
    who = (event.get("player") or {}).get("name")
    # The kind's label in the active language: the change log keeps the site's.
    kind = event.get("kind")
    label = str(EventKind(kind).label) if kind in EventKind.values else event.get("kind_label") or _("Event")
    return f"{label} ({who}, {event.get('minute_label')})" if who else label


# A check's outcomes once it is decided; before that it is under way (in progress, on-field review).
DECIDED_OUTCOMES = frozenset({MatchEvent.VarOutcome.STANDS, MatchEvent.VarOutcome.OVERTURNED})


def corrects_something(before: str | None, after: str | None) -> bool:
    """A VAR step is a correction when it overturns the call on the pitch or changes a decision already made.

    A check that ends with the decision standing, or that goes to an on-field review, leaves the record as
    it was: fans see it in the timeline, not among the corrections.
    """
    return after == MatchEvent.VarOutcome.OVERTURNED or before in DECIDED_OUTCOMES


def describe_var_decision(check: dict, related: list[dict]) -> str:
    outcome = check.get("var_outcome")
    category = check.get("var_category")
    # The category's label as the language writes it: lower-casing it would break German nouns (Tor, Elfmeter).
    subject = (str(MatchEvent.VarCategory(category).label) if category in MatchEvent.VarCategory.values
               and category else check.get("var_category_label", "")) or _("incident")
    if outcome == MatchEvent.VarOutcome.ON_FIELD_REVIEW:
        return _("VAR: on-field review (%(subject)s)") % {"subject": subject}
    if outcome == MatchEvent.VarOutcome.OVERTURNED:
        consequence = next((event["state_reason"] for event in related if event.get("state_reason")), "")
        return consequence or _("VAR review (%(subject)s): decision overturned") % {"subject": subject}
    return _("VAR review (%(subject)s): decision stands") % {"subject": subject}


# The operations that may correct the record; history_entry says which of them do.
CORRECTION_OPS = (Change.Op.UPDATE, Change.Op.REMOVE, Change.Op.RESULT)


def user_role(user) -> str | None:
    if user is None:
        return None
    names = {group.name for group in user.groups.all()}
    return "an admin" if "Admins" in names or user.is_superuser else "an editor" if "Editors" in names else "a user"


def change_entry(change: Change) -> dict | None:
    """The history entry of one change, with its author's role."""
    if change.op not in CORRECTION_OPS:
        # A new event corrects nothing: no query for its author's role (a goal is built in five languages).
        return None
    return history_entry(change, user_role(change.user))


def match_history(match_id: int) -> list[dict]:
    """Every correction of a match, newest first: what changed, when, by whom (by role), and why."""
    changes = (
        Change.objects.filter(match_id=match_id, op__in=CORRECTION_OPS)
        .select_related("user")
        .prefetch_related("user__groups")
        .order_by("-seq")
    )
    entries = (change_entry(change) for change in changes)
    return [entry for entry in entries if entry is not None]
