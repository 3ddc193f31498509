"""Which changes of a match raise a notification, and what it says.

A followed team's match notifies its goals, red cards (a second yellow too), VAR decisions, kick-off, half-time
and full time. Each notification is tagged `event-<id>` after the event it is about, so that a later one about the
same event replaces it on the screen (the Notifications API's and the service worker's `tag`): a goal that stops
counting (disallowed after VAR review, or removed by an editor) sends "Goal disallowed: <reason>" under the goal's
own tag, never leaving a false goal in the notification tray.
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from live.messages import relabeled_event

from ..models import GOAL_KINDS, Change, EventKind, Match, Period, Team

PAYLOAD_VERSION = 1
ACTIVE = "active"
RED_KINDS = frozenset({EventKind.RED_CARD, EventKind.SECOND_YELLOW})
DECIDED = frozenset({"stands", "overturned"})
# How urgently a push service should wake a device (RFC 8030, 5.3): goals and what takes one back cannot wait.
HIGH = "high"
NORMAL = "normal"


NOTIFYING_KINDS = GOAL_KINDS | RED_KINDS | {EventKind.VAR_CHECK, EventKind.PERIOD_START, EventKind.PERIOD_END}


def may_notify(change: Change) -> bool:
    """Cheap, before anything is read: most changes (statistics, substitutions, added time) notify nobody."""
    event = change.after if change.after is not None else change.before
    # A result recorded by its score alone (op "result") names no event.
    return event is not None and event.get("kind") in NOTIFYING_KINDS


def team_names(match: Match) -> dict[str, str]:
    """The teams' names by side, as notifications name them."""
    names = dict(Team.objects.filter(pk__in=[match.home_id, match.away_id]).values_list("pk", "name"))
    return {"home": names.get(match.home_id, ""), "away": names.get(match.away_id, "")}


def tag_of(event: dict) -> str:
    return f"event-{event['id']}"


def notification(change: Change, match: Match, names: dict[str, str], language: str | None = None) -> dict | None:
    """The notification `change` raises, or None. `names`: the teams' names by side ("home", "away")."""
    with translation.override(language or translation.get_language()):
        found = _notification(change, names)
    if found is None:
        return None
    kind, event, title, body, urgency = found
    return {
        "type": "notification",
        "version": PAYLOAD_VERSION,
        "id": f"{change.match_id}-{change.seq}",
        "kind": kind,
        "tag": tag_of(event),
        "title": title,
        "body": body,
        "url": f"/matches/{match.id}/",
        "match_id": change.match_id,
        "seq": change.seq,
        "teams": [match.home_id, match.away_id],
        "urgency": urgency,
        "at": (change.created_at or timezone.now()).isoformat(),
    }


def _notification(change: Change, names: dict[str, str]):
    # The change log keeps the labels (a VAR category, a decision's reason) in the site's language.
    event = relabeled_event(change.after if change.after is not None else change.before)
    if event is None:
        return None  # a result or a score with no event: the match's pages show it, nothing to ring for
    state = change.match_state or {}
    score = _score_line(names, state)
    before = change.before or {}
    kind = event["kind"]

    # A goal that no longer counts: disallowed after a VAR review (the check's change lists it among `related`),
    # removed by an editor, or amended out. It replaces the goal's notification.
    if kind == EventKind.VAR_CHECK and change.op == Change.Op.UPDATE:
        for other in change.related:
            if other["kind"] in GOAL_KINDS and other["state"] != ACTIVE:
                reason = event.get("decision_reason_label") or _("VAR review")
                return ("goal_disallowed", other, _("Goal disallowed: %(reason)s") % {"reason": reason},
                        score, HIGH)
            if other["kind"] in GOAL_KINDS and other["state"] == ACTIVE:
                return _goal(other, names, state, score, after_review=True)
            if other["kind"] in RED_KINDS and other["state"] == ACTIVE:
                return _red_card(other, score)
    if kind in GOAL_KINDS:
        was_active = change.op != Change.Op.ADD and before.get("state") == ACTIVE
        if event["state"] != ACTIVE and (was_active or change.op == Change.Op.REMOVE):
            reason = change.reason.strip() or _("cancelled")
            return "goal_disallowed", event, _("Goal disallowed: %(reason)s") % {"reason": reason}, score, HIGH
        if event["state"] == ACTIVE and (change.op == Change.Op.ADD or before.get("state") != ACTIVE):
            return _goal(event, names, state, score)
        return None
    if kind in RED_KINDS:
        if event["state"] == ACTIVE and (change.op == Change.Op.ADD or before.get("state") != ACTIVE
                                         or before.get("kind") != kind):
            return _red_card(event, score)
        return None
    if kind == EventKind.VAR_CHECK:
        outcome = event.get("var_outcome")
        if event["state"] == ACTIVE and outcome in DECIDED and before.get("var_outcome") != outcome:
            category = event.get("var_category_label") or _("review")
            title = (_("VAR: %(category)s, decision stands") if outcome == "stands"
                     else _("VAR: %(category)s, decision overturned")) % {"category": category}
            reason = event.get("decision_reason_label")
            return "var_decision", event, title, f"{reason} · {score}" if reason else score, NORMAL
        return None
    if change.op != Change.Op.ADD or event["state"] != ACTIVE:
        return None
    if kind == EventKind.PERIOD_START and event["period"] == Period.FIRST_HALF:
        return "kick_off", event, _("Kick-off"), _vs(names), NORMAL
    if kind == EventKind.PERIOD_END and state.get("period") == Period.FULL_TIME:
        return "full_time", event, _("Full time"), score, NORMAL
    if kind == EventKind.PERIOD_END and event["period"] == Period.FIRST_HALF:
        return "half_time", event, _("Half-time"), score, NORMAL
    return None


def _goal(event: dict, names: dict[str, str], state: dict, score: str, *, after_review: bool = False):
    scorer = (event.get("player") or {}).get("name") or (event.get("team") or {}).get("name") or ""
    if event["kind"] == EventKind.OWN_GOAL:
        what = _("%(minute)s %(player)s (own goal)") % {"minute": event["minute_label"], "player": scorer}
    elif event["kind"] == EventKind.PENALTY_GOAL:
        what = _("%(minute)s %(player)s (penalty)") % {"minute": event["minute_label"], "player": scorer}
    else:
        what = f"{event['minute_label']} {scorer}"
    if after_review:
        what = _("%(goal)s, given after VAR review") % {"goal": what}
    return "goal", event, _("Goal! %(score)s") % {"score": score}, what, HIGH


def _red_card(event: dict, score: str):
    player = (event.get("player") or {}).get("name") or (event.get("team") or {}).get("name") or ""
    title = _("Red card: %(player)s") % {"player": player}
    return "red_card", event, title, f"{event['minute_label']} · {score}", HIGH


def _score_line(names: dict[str, str], state: dict) -> str:
    home, away = state.get("home_score"), state.get("away_score")
    if home is None or away is None:
        return _vs(names)
    return f"{names['home']} {home}–{away} {names['away']}"


def _vs(names: dict[str, str]) -> str:
    return _("%(home)s v %(away)s") % names
