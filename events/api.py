"""The JSON API (django-ninja): reads for everyone, writes for editors.

Editors authenticate with their session (and CSRF token) from the console, or
with a per-user bearer token from other clients. Errors are JSON naming the
field at fault: 400 a rule broken, 401 not authenticated, 403 not allowed,
404 not found, 409 a conflict with the current state, 413 a body over the
limit, 422 a malformed body, path or query.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy, ngettext
from ninja import Field, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.throttling import AnonRateThrottle, AuthRateThrottle
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, Strict, field_validator
from pydantic_core import PydanticCustomError

from live import messages

from . import caching, fragments, services
from .models import Competition, Group, Match, MatchEvent
from .reads import bracket, changelog, groups, matches, shapes, tables, teams, thirds
from .services import push as push_subscriptions

logger = logging.getLogger(__name__)


class SettingsRate:
    """Reads its rate from settings on every request, so that deployments (and tests) can tune it."""

    setting = ""

    def __init__(self):
        super().__init__(rate=getattr(settings, self.setting))

    def allow_request(self, request) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request)
        except Exception:
            # The counters live in Redis: when it is away, an editor's goal matters more than the limit.
            logger.warning("Rate limit not checked: the cache is unavailable", exc_info=True)
            return True


class ReadThrottle(SettingsRate, AnonRateThrottle):
    """Reads, per client address."""

    setting = "API_READ_RATE"


class WriteThrottle(SettingsRate, AuthRateThrottle):
    """Writes, per signed-in user or token holder."""

    setting = "API_WRITE_RATE"


api = NinjaAPI(
    title="Matchcentre API",
    version="1",
    description="Live football match data: competitions, groups, tables, matches, events and their changes.",
    urls_namespace="api",
    throttle=[ReadThrottle()],
)
write_throttle = [WriteThrottle()]

MAX_CHANGES_PER_PAGE = 1000
# The largest ids and sequence numbers the database columns hold: past them a lookup would be a
# database error, not a clean 422.
MAX_ROW_ID = 2**63 - 1
MAX_SEQ = 2**31 - 1


# --- authentication ----------------------------------------------------------------------------


class InvalidToken(AuthenticationError):
    """A bearer token was sent and is unknown, revoked, or its user's account is closed."""


class CsrfFailed(HttpError):
    """A signed-in session's write without a valid CSRF token."""

    def __init__(self):
        super().__init__(403, gettext("CSRF check failed: reload the page, or sign in again, to get a fresh token."))


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = services.authenticate_api_token(raw_token=token)
        if user is None:
            # Not a fall-through to the session: a client that sent a token is told that it is bad.
            raise InvalidToken()
        return user


class SessionAuth(NinjaSessionAuth):
    """Django's session (the console), with the CSRF check only for a session that is signed in.

    ninja's own checks the CSRF token first, so a request with no session at all (a client that
    should sign in) got 403 "CSRF check Failed", not 401. A CSRF token protects a cookie that
    authenticates: without a signed-in user there is nothing to protect, and the answer is 401.
    (Named as ninja's class: the name is the OpenAPI security scheme's.)
    """

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        try:
            return super().__call__(request)
        except HttpError as error:  # the one thing ninja's session auth raises: its CSRF check
            raise CsrfFailed() from error


editor_auth = [BearerTokenAuth(), SessionAuth()]


# --- what the API accepts ----------------------------------------------------------------------
# One rule per kind of input, for every field of that kind:
# - Numbers in paths and query strings are written in ASCII digits, without sign, leading zeros,
#   spaces, underscores or decimals: `12`, never `+12`, `012`, ` 12`, `1_2` or `12.0`. nginx sends
#   writes to the newsroom by `[0-9]+`; an id it does not read as one would be a write that
#   reaches a fans' process. (422 naming the parameter, like any malformed input, not a 404.)
# - JSON bodies are taken as typed (StrictSchema): `true`, `1.0` and `"1"` are not the integer 1,
#   nor is `1` true.
# - Text never contains NUL, which PostgreSQL cannot store: it would fail in the database, look
#   like an outage (503) and be retried forever.

CANONICAL_NUMBER = re.compile(r"0|[1-9][0-9]*")


def canonical_number(value):
    if isinstance(value, str):
        if CANONICAL_NUMBER.fullmatch(value) is None:
            raise PydanticCustomError(
                "canonical_number",
                gettext("Input should be a whole number in digits only (no sign, leading zero or spaces)"),
            )
        return int(value)
    return value


def refuse_nul(value):
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("nul_character", gettext("Text must not contain the NUL character (U+0000)"))
    return value


# Numbers in a path or a query string, each kind with its bounds (checked once it is a number).
RowId = Annotated[int, Strict(), Field(ge=1, le=MAX_ROW_ID), BeforeValidator(canonical_number)]
Seq = Annotated[int, Strict(), Field(ge=0, le=MAX_SEQ), BeforeValidator(canonical_number)]
# Text in a query string.
Text = Annotated[str, AfterValidator(refuse_nul)]

PathId = Annotated[RowId, Path(...)]
SinceQuery = Annotated[Seq, Query(0)]
VersionQuery = Annotated[Seq | None, Query(None)]
ReasonQuery = Annotated[Text, Query("", max_length=300)]


class StrictSchema(Schema):
    # An unknown field is a client's mistake worth naming, not something to drop silently; values
    # are taken as typed (strict); and no text field, now or added later, takes a NUL.
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*")
    @classmethod
    def no_nul_in_text(cls, value):
        return refuse_nul(value)


class EventIn(StrictSchema):
    kind: str = Field(
        ...,
        description="goal, own_goal, penalty_goal, missed_penalty, yellow_card, ...; the match statistics: shot, "
        "shot_on_target (counts as a shot too), corner, foul, offside (team required, player optional)",
    )
    minute: int | None = Field(None, ge=0, le=130)
    added_minute: int | None = Field(None, ge=0, le=30)
    period: str | None = Field(None, description="For period_start/period_end: the period (inferred if omitted)")
    team: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    player: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    second_player: int | None = Field(
        None, ge=1, le=MAX_ROW_ID, description="The assist for a goal, the player coming on"
    )
    goal_type: str = Field("", description="open_play, header or free_kick (kind goal only)")
    injury: bool = False
    reviewed_event: int | None = Field(
        None, ge=1, le=MAX_ROW_ID, description="For a VAR check: the incident it reviews"
    )
    var_category: str = Field("", description="For a VAR check: goal, penalty, red_card or mistaken_identity")
    var_reason: str = Field("", max_length=200, description="For a VAR check: what is being checked")
    commentary: str = Field("", max_length=2000)
    kick_outcome: str = Field("", description="For a shootout_kick: scored, saved or missed")
    idempotency_key: str = Field("", max_length=64, description="Client-generated; a retry returns the first result")


class EventPatch(StrictSchema):
    version: int | None = Field(
        None, ge=0, le=MAX_SEQ, description="The version the change is based on; a stale one gets 409"
    )
    reason: str = Field("", max_length=300)
    kind: str | None = None
    minute: int | None = Field(None, ge=0, le=130)
    added_minute: int | None = Field(None, ge=0, le=30)
    team: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    player: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    second_player: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    goal_type: str | None = None
    injury: bool | None = None
    reviewed_event: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    var_category: str | None = None
    var_reason: str | None = Field(None, max_length=200)
    commentary: str | None = Field(None, max_length=2000)


class VarDecisionIn(StrictSchema):
    decision: str = Field(..., description="stands or overturned")
    decision_reason: str = Field("", description="offside, foul, handball, ball_out_of_play, mistaken_identity, ...")
    player: int | None = Field(
        None,
        ge=1,
        le=MAX_ROW_ID,
        description="For an overturn: the scorer, the player fouled, the player "
        "sent off, or the right player for mistaken identity",
    )
    reason: str = Field("", max_length=300, description="Required when an admin changes a decision already made")
    version: int | None = Field(None, ge=0, le=MAX_SEQ)


class HypotheticalResult(StrictSchema):
    match: int = Field(..., ge=1, le=MAX_ROW_ID)
    home_goals: int = Field(..., ge=0, le=99)
    away_goals: int = Field(..., ge=0, le=99)


class WhatIfIn(StrictSchema):
    results: list[HypotheticalResult] = Field(..., max_length=200)


class Error(Schema):
    detail: str
    code: str
    field: str | None = None


# --- errors ------------------------------------------------------------------------------------


@api.exception_handler(services.ServiceError)
def service_error(request, exc: services.ServiceError):
    return api.create_response(request, exc.to_dict(), status=exc.status)


def field_name(location) -> str | None:
    """`["body", "payload", "minute"]` or `["query", "status"]` → the client's own name for the field."""
    parts = [str(part) for part in location]
    if parts[:1] == ["body"]:
        parts = parts[2:]
    elif parts[:1] in (["query"], ["path"]):
        parts = parts[1:]
    return ".".join(parts) or None


# Pydantic's messages for the refusals a client meets, in the request's language (pydantic speaks English only).
# The English is pydantic's own; a refusal not listed keeps pydantic's words.
VALIDATION_MESSAGES = {
    "missing": lambda ctx: gettext("Field required"),
    "extra_forbidden": lambda ctx: gettext("Extra inputs are not permitted"),
    "int_type": lambda ctx: gettext("Input should be a valid integer"),
    "int_parsing": lambda ctx: gettext("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": lambda ctx: gettext("Input should be a valid integer, got a number with a fractional part"),
    "bool_type": lambda ctx: gettext("Input should be a valid boolean"),
    "string_type": lambda ctx: gettext("Input should be a valid string"),
    "float_type": lambda ctx: gettext("Input should be a valid number"),
    "list_type": lambda ctx: gettext("Input should be a valid list"),
    "dict_type": lambda ctx: gettext("Input should be a valid dictionary"),
    "model_type": lambda ctx: gettext("Input should be a valid dictionary"),
    "greater_than_equal": lambda ctx: gettext("Input should be greater than or equal to %(ge)s") % ctx,
    "less_than_equal": lambda ctx: gettext("Input should be less than or equal to %(le)s") % ctx,
    "greater_than": lambda ctx: gettext("Input should be greater than %(gt)s") % ctx,
    "less_than": lambda ctx: gettext("Input should be less than %(lt)s") % ctx,
    "string_too_long": lambda ctx: (
        ngettext(
            "String should have at most %(max_length)s character",
            "String should have at most %(max_length)s characters",
            ctx["max_length"],
        )
        % ctx
    ),
    "string_too_short": lambda ctx: (
        ngettext(
            "String should have at least %(min_length)s character",
            "String should have at least %(min_length)s characters",
            ctx["min_length"],
        )
        % ctx
    ),
    "too_long": lambda ctx: (
        ngettext(
            "List should have at most %(max_length)s item after validation, not %(actual_length)s",
            "List should have at most %(max_length)s items after validation, not %(actual_length)s",
            ctx["max_length"],
        )
        % ctx
    ),
    "too_short": lambda ctx: (
        ngettext(
            "List should have at least %(min_length)s item after validation, not %(actual_length)s",
            "List should have at least %(min_length)s items after validation, not %(actual_length)s",
            ctx["min_length"],
        )
        % ctx
    ),
    "literal_error": lambda ctx: gettext("Input should be %(expected)s") % ctx,
    "timezone_aware": lambda ctx: gettext("Input should have timezone info"),
    "datetime_type": lambda ctx: gettext("Input should be a valid datetime"),
    "datetime_parsing": lambda ctx: gettext("Input should be a valid datetime"),
    "datetime_from_date_parsing": lambda ctx: gettext("Input should be a valid datetime"),
    "json_invalid": lambda ctx: gettext("Invalid JSON"),
}


def validation_message(error: dict) -> str:
    words = VALIDATION_MESSAGES.get(error.get("type", ""))
    if words is None:
        return error.get("msg", "")
    try:
        return words(error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return error.get("msg", "")


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = [{"field": field_name(error.get("loc", ())), "message": validation_message(error)} for error in exc.errors]
    first = errors[0] if errors else {"field": None, "message": gettext("Invalid input")}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return api.create_response(
        request,
        {"detail": detail, "code": "invalid", "field": first["field"], "errors": errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc: AuthenticationError):
    # 401 (sign in again, or fix the token), never the CSRF check's 403: a client must be able to tell.
    if isinstance(exc, InvalidToken):
        body = {"detail": gettext("This bearer token is not valid: unknown, revoked, or its user's account is closed."),
                "code": "invalid_token", "field": None}
        challenge = 'Bearer realm="api", error="invalid_token"'
    else:
        body = {"detail": gettext("Not signed in: sign in again, or send Authorization: Bearer <token>."),
                "code": "not_authenticated", "field": None}
        challenge = 'Bearer realm="api"'
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = challenge
    return response


@api.exception_handler(RequestDataTooBig)
def body_too_large(request, exc):
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; left to Django that is an HTML 400.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return api.create_response(
        request,
        {"detail": gettext("The request body is over the limit of %(limit)s bytes.") % {"limit": limit},
         "code": "too_large", "field": None,
         "limit": limit},
        status=413,
    )


@api.exception_handler(DatabaseError)
def database_unavailable(request, exc: DatabaseError):
    # The transaction rolled back whole, or (the connection lost right after a COMMIT) committed
    # without our hearing of it: the client retries with the same idempotency key, and the retry
    # either stores it or answers with what was stored.
    logger.error("Database error; the request was not saved", exc_info=exc)
    response = api.create_response(
        request,
        {
            "detail": gettext("The database is unavailable and did not confirm this. Retry with the same "
                              "idempotency key: it is stored once, whatever happened."),
            "code": "unavailable",
            "field": None,
        },
        status=503,
    )
    response["Retry-After"] = "2"
    return response


def require_permission(request, permission: str) -> None:
    user = request.auth
    if not user.has_perm(permission):
        raise HttpError(403, gettext("You do not have permission to do this."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    codes = {403: "forbidden", 404: "not_found", 429: "rate_limited"}
    code = "csrf_failed" if isinstance(exc, CsrfFailed) else codes.get(exc.status_code, "error")
    response = api.create_response(
        request,
        {"detail": ninja_message(exc), "code": code, "field": None},
        status=exc.status_code,
    )
    if exc.status_code == 429:
        response["Retry-After"] = "60"
    return response


# ninja's refusal of a body that is not JSON (followed by the parser's reason when DEBUG is on).
UNPARSABLE_BODY = "Cannot parse request body"


def ninja_message(exc: HttpError) -> str:
    """The message of a refusal, in the request's language: ours are written in it, ninja's two are put in it."""
    message = str(exc)
    if isinstance(exc, Throttled):
        return gettext("Too many requests.")
    if exc.status_code == 400 and message.startswith(UNPARSABLE_BODY):
        return gettext("Cannot parse request body") + message[len(UNPARSABLE_BODY) :]
    return message


NOT_FOUND = {
    "competition": gettext_lazy("No such competition."),
    "event": gettext_lazy("No such event."),
    "group": gettext_lazy("No such group."),
    "match": gettext_lazy("No such match."),
    "subscription": gettext_lazy("No such subscription."),
}


def not_found(what: str):
    return HttpError(404, str(NOT_FOUND[what]))


# --- reads -------------------------------------------------------------------------------------


@api.get("/competitions", tags=["reads"])
def list_competitions(request):
    return [
        {
            "id": competition.id,
            "name": competition.name,
            "season": competition.season,
            "rule_set": competition.rule_set,
            "max_substitutions": competition.max_substitutions,
            "groups": [{"id": group.id, "name": group.name} for group in competition.groups.all()],
        }
        for competition in groups.competitions_with_groups()
    ]


@api.get("/competitions/{competition_id}/bracket", tags=["reads"], response={200: dict, 404: Error})
@caching.cached_read(lambda competition_id: caching.competition_state(competition_id))
def get_bracket(request, competition_id: PathId):
    """The knockout rounds: each tie's sides (or where they come from), legs, aggregate and winner."""
    competition = Competition.objects.filter(pk=competition_id).first()
    if competition is None:
        raise not_found("competition")
    return bracket.competition_bracket(competition)


@api.get("/competitions/{competition_id}/thirds", tags=["reads"], response={200: dict, 404: Error})
def get_thirds(request, competition_id: PathId):
    """The third-placed teams ranked as the group tables stand, with the cut line (`qualifiers`), and in
    `race`, from the last group matchday on, what each team that can still finish third needs."""
    competition = Competition.objects.filter(pk=competition_id).first()
    if competition is None:
        raise not_found("competition")
    stage = thirds.group_stage(competition)
    if stage is None:
        raise HttpError(404, gettext("This competition's groups do not rank third-placed teams."))
    return {**thirds.third_placed_table(competition, stage), "race": thirds.third_place_race(competition, stage)}


@api.get("/groups/{group_id}", tags=["reads"], response={200: dict, 404: Error})
@caching.cached_read(lambda group_id: caching.group_state(group_id))
def get_group(request, group_id: PathId):
    try:
        return groups.group_detail(groups.get_group(group_id))
    except Group.DoesNotExist:
        raise not_found("group") from None


@api.get("/groups/{group_id}/table", tags=["reads"], response={200: dict, 404: Error})
@caching.cached_read(lambda group_id: caching.group_state(group_id))
def get_group_table(request, group_id: PathId):
    try:
        return tables.group_table(groups.get_group(group_id))
    except Group.DoesNotExist:
        raise not_found("group") from None


@api.post("/groups/{group_id}/what-if", tags=["reads"], response={200: dict, 400: Error, 404: Error, 422: Error})
def what_if(request, payload: WhatIfIn, group_id: PathId):
    """The table the group would have with these results (replacing any known or live score).

    `html.table` is the same table rendered for the site's own predictor.
    """
    try:
        group = groups.get_group(group_id)
    except Group.DoesNotExist:
        raise not_found("group") from None
    own_matches = set(group.matches.values_list("id", flat=True))
    for index, result in enumerate(payload.results):
        if result.match not in own_matches:
            raise services.ServiceError(
                gettext("Match %(match)s is not in %(group)s.") % {"match": result.match, "group": group.name},
                code="not_in_group",
                field=f"results.{index}.match",
            )
    scores = {r.match: (r.home_goals, r.away_goals) for r in payload.results}
    table = tables.group_table(group, scores)
    found = tables.group_scenarios(group, scores)
    return {**table, "scenarios": found,
            "html": {"table": fragments.table_html(table), "scenarios": fragments.scenarios_html(found)}}


@api.get("/groups/{group_id}/scenarios", tags=["reads"], response={200: dict, 404: Error})
@caching.cached_read(lambda group_id: caching.group_state(group_id))
def get_scenarios(request, group_id: PathId):
    """For each team and qualifying line: clinched, impossible, or what it depends on.

    `html` is the same rendered for the site's own pages.
    """
    try:
        found = tables.group_scenarios(groups.get_group(group_id))
    except Group.DoesNotExist:
        raise not_found("group") from None
    return {**found, "html": fragments.scenarios_html(found)}


def parse_id_list(value):
    """"3,17,42": ids as the number rule above writes them, at most MAX_FOLLOWED_TEAMS of them."""
    if not isinstance(value, str):
        return value
    parts = value.split(",") if value else []
    if len(parts) > services.follows.MAX_FOLLOWED_TEAMS:
        raise PydanticCustomError(
            "too_many", gettext("At most %(most)s ids") % {"most": services.follows.MAX_FOLLOWED_TEAMS}
        )
    return [canonical_number(part) for part in parts]


TeamIds = Annotated[list[RowId], BeforeValidator(parse_id_list), Query(...)]


@api.get("/teams", tags=["reads"], response={200: list, 422: Error})
def list_followed_teams(request, ids: TeamIds):
    """Teams by id (`?ids=3,17`), each with its live or next match and its last result: what the "My teams"
    page shows of the teams a browser follows. Unknown ids are left out."""
    return teams.followed_teams(ids)


class FollowedTeamsIn(StrictSchema):
    teams: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        ..., max_length=services.follows.MAX_FOLLOWED_TEAMS, description="The ids of the teams followed, in order"
    )


@api.get("/me/followed-teams", auth=editor_auth, tags=["fans"], response={200: dict, 401: Error})
def get_followed_teams(request):
    """The teams the signed-in user follows, on every device."""
    return {"teams": services.followed_team_ids(request.auth)}


@api.put("/me/followed-teams", auth=editor_auth, throttle=write_throttle, tags=["fans"],
         response={200: dict, 400: Error, 401: Error, 404: Error, 422: Error})
def put_followed_teams(request, payload: FollowedTeamsIn):
    """Replace the signed-in user's followed teams (400 `not_found` naming `teams` for an unknown id)."""
    return {"teams": services.set_followed_teams(user=request.auth, team_ids=payload.teams)}


# --- Web Push subscriptions (docs/notifications.md) ------------------------------------------------
# No account needed: a browser's endpoint is its own unguessable address at its push service, and whoever holds it
# may change or drop its subscription. These take no cookie-authenticated action, so they need no CSRF token; a
# request another site's page makes is refused by its Origin all the same, and a JSON body cannot be sent across
# sites without a CORS preflight this API never grants.


class PushKeysIn(StrictSchema):
    p256dh: str = Field(..., max_length=200)
    auth: str = Field(..., max_length=100)


class PushSubscriptionIn(StrictSchema):
    endpoint: str = Field(..., max_length=1000, description="The PushSubscription's endpoint")
    keys: PushKeysIn
    expirationTime: float | None = Field(None, description="As the browser gives it (ms since the epoch); not used")
    teams: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        ..., min_length=1, max_length=services.follows.MAX_FOLLOWED_TEAMS, description="The teams to be notified of"
    )
    delay: int = Field(0, ge=0, le=60, description="The viewer's spoiler delay, in seconds")
    language: str = Field("", max_length=16)


class PushUnsubscribeIn(StrictSchema):
    endpoint: str = Field(..., max_length=1000)


class PushSubscribeThrottle(SettingsRate, AnonRateThrottle):
    """Subscriptions, per client address: they need no account."""

    setting = "PUSH_SUBSCRIBE_RATE"


push_throttle = [PushSubscribeThrottle()]


def same_origin_only(request) -> None:
    origin = request.headers.get("Origin")
    if origin and origin.split("://", 1)[-1] != request.get_host():
        raise HttpError(403, gettext("Subscriptions are made from this site's own pages."))


@api.get("/push/key", tags=["fans"], response={200: dict, 404: Error})
def get_push_key(request):
    """The server's VAPID public key: a browser subscribes with it as its `applicationServerKey` (404 where Web
    Push is not configured: pages then notify only while they are open)."""
    from .notifications import vapid

    if not vapid.configured():
        return Status(
            404, {"detail": gettext("Web Push is not configured here."), "code": "not_configured", "field": None}
        )
    return {"public_key": vapid.keys().public_key}


@api.post("/push/subscriptions", tags=["fans"], throttle=push_throttle,
          response={201: dict, 400: Error, 403: Error, 422: Error, 429: Error})
def post_push_subscription(request, payload: PushSubscriptionIn):
    """Subscribe a browser (its PushSubscription as `toJSON()` gives it, with the teams) to the notifications of
    those teams' matches; the same endpoint again replaces its teams, keys and delay."""
    same_origin_only(request)
    subscription = push_subscriptions.subscribe(
        endpoint=payload.endpoint, p256dh=payload.keys.p256dh, auth=payload.keys.auth, team_ids=payload.teams,
        delay_seconds=payload.delay, language=payload.language,
    )
    return Status(201, {"teams": sorted(subscription.teams.values_list("id", flat=True)),
                        "delay": subscription.delay_seconds})


@api.delete("/push/subscriptions", tags=["fans"], throttle=push_throttle,
            response={204: None, 403: Error, 404: Error, 422: Error, 429: Error})
def delete_push_subscription(request, payload: PushUnsubscribeIn):
    """Unsubscribe a browser, by its endpoint: nothing more is sent to it."""
    same_origin_only(request)
    if not push_subscriptions.unsubscribe(endpoint=payload.endpoint):
        raise not_found("subscription")
    return Status(204, None)


@api.get("/matches", tags=["reads"])
def list_matches(request, status: Literal["live", "scheduled", "finished", "postponed"] | None = None):
    return [shapes.match_summary(match) for match in matches.list_matches(status)]


@api.get("/matches/{match_id}", tags=["reads"], response={200: dict, 404: Error})
@caching.cached_read(lambda match_id: caching.match_state(match_id), clock=True)
def get_match(request, match_id: PathId):
    # The match as it stands, typed and timed like the socket's snapshot, without the markup.
    try:
        detail = matches.match_detail(match_id)
    except Match.DoesNotExist:
        raise not_found("match") from None
    return {"type": "snapshot", **detail, "server_time": messages.server_time()}


@api.get("/matches/{match_id}/changes", tags=["reads"], response={200: dict, 400: Error, 404: Error})
@caching.cached_read(lambda match_id, since: caching.changes_state(match_id, since))
def get_changes(request, match_id: PathId, since: SinceQuery):
    current_seq = Match.objects.filter(pk=match_id).values_list("seq", flat=True).first()
    if current_seq is None:
        raise not_found("match")
    if not 0 <= since <= current_seq:
        raise services.ServiceError(
            gettext("Unknown seq %(since)s: this match is at seq %(seq)s. Fetch the match for a fresh snapshot.")
            % {"since": since, "seq": current_seq},
            code="unknown_seq",
            field="since",
        )
    changes = [
        messages.change_message(change)
        for change in changelog.changes_after(match_id, since, limit=MAX_CHANGES_PER_PAGE)
    ]
    first_seq = changes[0]["seq"] if changes else current_seq + 1
    if first_seq != since + 1:
        raise services.ServiceError(
            gettext(
                "The changes after seq %(since)s are no longer kept (the match was reset). "
                "Fetch the match for a fresh snapshot."
            )
            % {"since": since},
            code="unknown_seq",
            field="since",
        )
    last_seq = changes[-1]["seq"] if changes else since
    return {"match_id": match_id, "seq": current_seq, "changes": changes, "more": last_seq < current_seq}


# --- writes ------------------------------------------------------------------------------------


def event_response(result: services.EventResult) -> dict:
    return {"id": result.event.id, "seq": result.seq, "event": shapes.event_dict(result.event)}


@api.post(
    "/matches/{match_id}/events",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 201: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def create_event(request, payload: EventIn, match_id: PathId):
    require_permission(request, "events.add_matchevent")
    data = payload.dict()
    result = services.record_event(
        match_id=match_id,
        user=request.auth,
        kind=data["kind"],
        minute=data["minute"],
        added_minute=data["added_minute"],
        period=data["period"],
        team_id=data["team"],
        player_id=data["player"],
        second_player_id=data["second_player"],
        goal_type=data["goal_type"],
        injury=data["injury"],
        reviewed_event_id=data["reviewed_event"],
        var_category=data["var_category"],
        var_reason=data["var_reason"],
        commentary=data["commentary"],
        kick_outcome=data["kick_outcome"],
        idempotency_key=data["idempotency_key"],
    )
    return Status(201 if result.created else 200, event_response(result))


@api.patch(
    "/events/{event_id}",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def update_event(request, payload: EventPatch, event_id: PathId):
    require_permission(request, "events.change_matchevent")
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version", None)
    reason = changes.pop("reason", "")
    result = services.amend_event(
        event_id=event_id, user=request.auth, changes=changes, expected_version=version, reason=reason
    )
    return event_response(result)


@api.delete(
    "/events/{event_id}",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 401: Error, 403: Error, 404: Error, 409: Error},
)
def delete_event(
    request,
    event_id: PathId,
    version: VersionQuery,
    reason: ReasonQuery,
):
    require_permission(request, "events.delete_matchevent")
    if not MatchEvent.objects.filter(pk=event_id).exists():
        raise not_found("event")
    result = services.remove_event(event_id=event_id, user=request.auth, expected_version=version, reason=reason)
    return event_response(result)


class RestoreIn(StrictSchema):
    reason: str = Field("", max_length=300, description="Why the event comes back: required, logged and shown to fans")
    version: int | None = Field(None, ge=0, le=MAX_SEQ, description="The version seen; a stale one gets 409")


@api.post(
    "/events/{event_id}/restore",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def restore_event(request, payload: RestoreIn, event_id: PathId):
    """Bring back a removed event, with a reason (a correction: logged, pushed, shown in the history)."""
    require_permission(request, "events.change_matchevent")
    result = services.restore_event(
        event_id=event_id, user=request.auth, expected_version=payload.version, reason=payload.reason
    )
    return event_response(result)


class RetakeIn(StrictSchema):
    reason: str = Field(..., max_length=300, description="Why the referee ordered the kick retaken: logged and shown")


@api.post(
    "/events/{event_id}/retake",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def retake_kick(request, payload: RetakeIn, event_id: PathId):
    """The referee orders the last shootout kick retaken: it stops counting and the same team kicks again."""
    require_permission(request, "events.change_matchevent")
    return event_response(services.order_retake(event_id=event_id, reason=payload.reason, user=request.auth))


@api.post(
    "/events/{event_id}/on-field-review",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def on_field_review(request, event_id: PathId, version: VersionQuery):
    require_permission(request, "events.change_matchevent")
    return event_response(
        services.start_on_field_review(check_id=event_id, user=request.auth, expected_version=version)
    )


@api.post(
    "/events/{event_id}/var-decision",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def var_decision(request, payload: VarDecisionIn, event_id: PathId):
    """Decide a VAR check. Changing a decision already made is an admin's correction, with a reason."""
    require_permission(request, "events.change_matchevent")
    result = services.decide_var_check(
        check_id=event_id,
        user=request.auth,
        decision=payload.decision,
        decision_reason=payload.decision_reason,
        player_id=payload.player,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return event_response(result)


class ScoreIn(StrictSchema):
    home_goals: int = Field(..., ge=0, le=99)
    away_goals: int = Field(..., ge=0, le=99)
    period: str = Field(
        ...,
        description="The period the score stands in: first_half, half_time, second_half, full_time (and, for a "
        "match that can go to extra time, before_extra_time, extra_time_first_half, extra_time_half_time, "
        "extra_time_second_half)",
    )
    reason: str = Field("", max_length=300, description="Required when an admin corrects a finished match")


@api.post(
    "/matches/{match_id}/score",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def post_score(request, payload: ScoreIn, match_id: PathId):
    """The score of a match followed without events, as it stands in a period: the match goes live (its clock
    running in a half) and finishes at full_time. Refused for a match with events (409), for a period before
    the match's (409), and for a finished match unless an admin corrects it with a reason."""
    require_permission(request, "events.add_matchevent")
    match = services.record_score(
        match_id=match_id,
        home_goals=payload.home_goals,
        away_goals=payload.away_goals,
        period=payload.period,
        user=request.auth,
        reason=payload.reason,
    )
    return {"match_id": match.id, "seq": match.seq, "match": shapes.match_state(match)}


class ShootoutResultIn(StrictSchema):
    home: int = Field(..., ge=0, le=99, description="The home team's penalties scored in the shootout")
    away: int = Field(..., ge=0, le=99, description="The away team's penalties scored in the shootout")


@api.post(
    "/matches/{match_id}/shootout",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["editors"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
)
def post_shootout_result(request, payload: ShootoutResultIn, match_id: PathId):
    """A shootout known by its result only (no kick-by-kick record): posted once the shootout has started and
    before any kick is recorded, it ends the shootout and the match. The same result again changes nothing."""
    require_permission(request, "events.add_matchevent")
    match = services.record_shootout_result(match_id=match_id, home=payload.home, away=payload.away,
                                            user=request.auth)
    return {"match_id": match.id, "seq": match.seq, "match": shapes.match_state(match)}


class ScheduleIn(StrictSchema):
    # JSON has no datetime type: this one field reads its ISO 8601 text (the schema is otherwise strict).
    kickoff: Annotated[AwareDatetime, Strict(False), BeforeValidator(refuse_nul)] = Field(
        ..., description="The new kick-off, ISO 8601 with its UTC offset"
    )
    venue: str | None = Field(None, max_length=120, description="The new venue; omitted: unchanged")
    reason: str = Field(..., min_length=1, max_length=300, description="Why it moved, for the record")


@api.post(
    "/matches/{match_id}/schedule",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["admins"],
    response={200: dict, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
)
def post_schedule(request, payload: ScheduleIn, match_id: PathId):
    """Admins move a match's kick-off (and venue) before it kicks off: open pages start again from fresh
    snapshots, calendar subscribers get the same event updated (its SEQUENCE counts up)."""
    require_permission(request, "events.change_match")
    match = services.reschedule_match(match_id=match_id, kickoff=payload.kickoff, venue=payload.venue,
                                      user=request.auth, reason=payload.reason)
    return {"match_id": match.id, "kickoff": match.kickoff.isoformat(), "venue": match.venue,
            "schedule_sequence": match.schedule_sequence}


@api.post(
    "/matches/{match_id}/reset",
    auth=editor_auth,
    throttle=write_throttle,
    tags=["demo"],
    response={200: dict, 401: Error, 403: Error, 404: Error},
)
def reset_match(request, match_id: PathId):
    """Demo mode only: take a match back to before kick-off, its record cleared, for another replay. Through
    the server, so that its open pages are told (`replay_match --reset-only --api`)."""
    if not settings.DEMO_MODE:
        raise HttpError(403, gettext("Resetting a match is for demo mode only."))
    require_permission(request, "events.add_matchevent")
    services.reset_match(match_id=match_id)
    logger.info("Match %s reset to kick-off by %s", match_id, request.auth)
    seq = Match.objects.filter(pk=match_id).values_list("seq", flat=True).first()
    return {"match_id": match_id, "seq": seq, "status": Match.Status.SCHEDULED}
