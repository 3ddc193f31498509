"""Every write to match data.

Each service runs in one transaction: lock the match row, apply the change,
bump the match's sequence number, append a change-log row, recompute the cached
score and period, and build the broadcast once. The broadcast is sent only after
commit, so fans never see a change that a rollback erases.
"""

from .commit import EventResult
from .errors import ServiceError
from .follows import followed_team_ids, set_followed_teams
from .imported import record_shootout_result
from .match_events import amend_event, record_event, remove_event, restore_event
from .matches import reschedule_match, reset_match, set_clock_speed, set_lineup, set_venue
from .results import ImportSummary, import_competition, record_result, record_score
from .shootout import order_retake
from .table_order import settle_table_order
from .tokens import authenticate_api_token, create_api_token, revoke_api_token
from .var import decide_var_check, start_on_field_review

__all__ = [
    "EventResult",
    "ImportSummary",
    "ServiceError",
    "amend_event",
    "authenticate_api_token",
    "create_api_token",
    "decide_var_check",
    "followed_team_ids",
    "import_competition",
    "order_retake",
    "record_event",
    "record_result",
    "record_score",
    "record_shootout_result",
    "remove_event",
    "reschedule_match",
    "reset_match",
    "restore_event",
    "revoke_api_token",
    "set_clock_speed",
    "set_followed_teams",
    "set_lineup",
    "set_venue",
    "settle_table_order",
    "start_on_field_review",
]
