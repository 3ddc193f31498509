"""HTTP caching of what fans read: an ETag from the state a response shows, 304s, and Cache-Control that
lets nginx (deploy/nginx) answer a crowd with one request to Daphne per change.

Each public read names the state it shows as a small tuple read in a few cheap queries (the seqs of
the matches it renders, the group's settled orders, the admin's last edit). Its ETag is a digest of
that tuple, so it changes whenever a change is committed to anything the response shows, and only then:

- a request whose `If-None-Match` names the current ETag gets 304 without the page being built;
- a response for a reader who is not signed in says `public, max-age=0, s-maxage=1`: browsers ask
  again every time (with their ETag), and nginx keeps it for a second, answering everyone else meanwhile
  (and a crowd that arrives while it fetches a fresh copy: proxy_cache_lock, use_stale updating);
- a signed-in reader's response (their name in the header, an editor's links) is `private, no-store`,
  as is anything that sets a cookie: no cache keeps it, nginx bypasses its cache for them anyway.

The state is read before the response is built, so a response is never older than its ETag says: a
change committed in between makes the body newer than its tag, which costs one more full fetch later,
never a stale page kept as current.

Pages and snapshots also carry `server_time`, the server's clock when they were built, from which the
page corrects the reader's clock. Their ETags change every CLOCK_WINDOW_SECONDS too, so that a copy
kept by a browser or by nginx is never more than a few seconds behind the clock it claims.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from ninja.responses import NinjaJSONEncoder

from .models import Competition, Group, Match, TableSettlement, Team

# How long nginx may answer from its copy without asking Daphne: a crowd costs Daphne one request per
# second per page at most, and a change reaches new readers within a second.
SHARED_MAX_AGE_SECONDS = 1
# Responses carrying `server_time` get a new ETag this often, even when nothing changed.
CLOCK_WINDOW_SECONDS = 5

PUBLIC = {"public": True, "max_age": 0, "s_maxage": SHARED_MAX_AGE_SECONDS}
PRIVATE = {"private": True, "no_store": True}


# --- what each response shows ------------------------------------------------------------------
# Each returns a tuple naming the state a response shows, or None when there is no such thing (the
# view then answers 404 as usual, uncached).


def last_admin_edit():
    """The admin's last edit (a team's name, a kick-off time): none of those bump a seq."""
    return Subquery(LogEntry.objects.order_by("-pk").values("pk")[:1])


def last_settlement(groups: Q):
    """The last order settled (lots, cards) in these groups' tables: a settlement bumps no seq either."""
    return Subquery(TableSettlement.objects.filter(groups).order_by("-pk").values("pk")[:1])


def seqs(matches) -> tuple[tuple[int, int, int], ...]:
    """Each match's seq, and its schedule's (a kick-off moved changes no seq)."""
    return tuple(matches.order_by("pk").values_list("pk", "seq", "schedule_sequence"))


def match_state(match_id: int) -> tuple | None:
    """A match page or snapshot: the match, its group's table, its tie's other leg."""
    match = (
        Match.objects.filter(pk=match_id)
        .annotate(edited=last_admin_edit(), settled=last_settlement(Q(group_id=OuterRef("group_id"))))
        .values("group_id", "tie_id", "edited", "settled")
        .first()
    )
    if match is None:
        return None
    shown = Q(pk=match_id)
    if match["group_id"] is not None:
        shown |= Q(group_id=match["group_id"])
    if match["tie_id"] is not None:
        shown |= Q(tie_id=match["tie_id"])
    return ("match", match_id, seqs(Match.objects.filter(shown)), match["settled"], match["edited"])


def group_state(group_id: int) -> tuple | None:
    """A group's page, table, scenarios or matchday: every match of the group and its settled orders."""
    group = (
        Group.objects.filter(pk=group_id)
        .annotate(edited=last_admin_edit(), settled=last_settlement(Q(group_id=OuterRef("pk"))))
        .values("edited", "settled")
        .first()
    )
    if group is None:
        return None
    return ("group", group_id, seqs(Match.objects.filter(group_id=group_id)), group["settled"], group["edited"])


def competition_state(competition_id: int) -> tuple | None:
    """A competition's bracket: every match of the competition and its tables' settled orders."""
    competition = (
        Competition.objects.filter(pk=competition_id)
        .annotate(edited=last_admin_edit(), settled=last_settlement(Q(group__competition_id=OuterRef("pk"))))
        .values("edited", "settled")
        .first()
    )
    if competition is None:
        return None
    return ("competition", competition_id, seqs(Match.objects.filter(competition_id=competition_id)),
            competition["settled"], competition["edited"])


def team_matches_state(team_id: int) -> tuple | None:
    """Every match of a team, in every competition (its calendar)."""
    team = Team.objects.filter(pk=team_id).annotate(edited=last_admin_edit()).values("edited").first()
    if team is None:
        return None
    return ("team", team_id, seqs(Match.objects.filter(Q(home_id=team_id) | Q(away_id=team_id))), team["edited"])


def changes_state(match_id: int, since: int) -> tuple | None:
    """The changes of a match after `since`: the match's seq says whether there are new ones."""
    seq = Match.objects.filter(pk=match_id).values_list("seq", flat=True).first()
    return None if seq is None else ("changes", match_id, seq, since)


# --- ETags and headers -------------------------------------------------------------------------


def clock_window() -> int:
    return int(time.time() // CLOCK_WINDOW_SECONDS)


def etag_for(state: tuple, *, clock: bool) -> str:
    """A weak ETag (the body of one state differs in its `server_time`, never in what it shows).

    The reader's language is part of what a response shows: the same URL in German is another body, so a
    browser that kept the English page and has since switched gets the German one, not a 304. LocaleMiddleware
    says `Vary: Accept-Language`; not `Cookie` (the switcher's django_language), which would split shared caches
    per reader: nginx keys its cache on both instead (deploy/nginx)."""
    state = (*state, translation.get_language())
    if clock:
        state = (*state, clock_window())
    digest = hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def client_has(request: HttpRequest, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for If-None-Match)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    named = parse_etags(header)
    return "*" in named or any(tag.removeprefix("W/") == etag.removeprefix("W/") for tag in named)


def signed_in(request: HttpRequest) -> bool:
    """Whether the request is a signed-in user's. Without a session cookie there is no user to look for:
    the session is left untouched, so that the response does not vary on every reader's cookies."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        request.user = AnonymousUser()
        return False
    return request.user.is_authenticated


def sets_cookies(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether this response carries, or will carry once the middleware is done, a cookie: the CSRF
    cookie (a page that embedded a token), a session that was written to, or a cookie of its own."""
    session = getattr(request, "session", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
    )


def not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    patch_cache_control(response, **PUBLIC)
    return response


def finish(request: HttpRequest, response: HttpResponse, etag: str | None) -> HttpResponse:
    """The public headers on a fan's successful read; anything else is kept out of every cache."""
    if etag is not None and response.status_code == 200 and not sets_cookies(request, response):
        response["ETag"] = etag
        patch_cache_control(response, **PUBLIC)
    else:
        patch_cache_control(response, **PRIVATE)
    return response


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, **PRIVATE)
    return response


# --- for views ----------------------------------------------------------------------------------


def cached_page(state: Callable[..., tuple | None], *, clock: bool = False):
    """Decorate a page view: ETag from `state(**kwargs)`, 304 on a match, public for readers not signed in.

    `clock`: the page carries `server_time`.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or signed_in(request):
                return _private(view(request, *args, **kwargs))
            found = state(request, *args, **kwargs)
            etag = etag_for(found, clock=clock) if found is not None else None
            if etag is not None and client_has(request, etag):
                response = not_modified(etag)
            else:
                response = finish(request, view(request, *args, **kwargs), etag)
            return response

        return wrapper

    return decorate


def cached_read(state: Callable[..., tuple | None], *, clock: bool = False):
    """Decorate an API read (under `@api.get`): ETag from `state(**kwargs)`, as cached_json says."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, **kwargs):
            return cached_json(request, state(**kwargs), lambda: view(request, **kwargs), clock=clock)

        # django-ninja reads the parameters from the signature; resolved here, in the view's own module.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)
        return wrapper

    return decorate


def cached_json(request: HttpRequest, state: tuple | None, build: Callable[[], object], *, clock: bool = False):
    """An API read: 304 when the client has the current state, else `build()` as JSON with the headers.

    With no state (no such thing) `build()` runs as is, to raise the API's 404."""
    if request.method not in ("GET", "HEAD") or signed_in(request):
        return _private(json_response(build()))
    etag = etag_for(state, clock=clock) if state is not None else None
    if etag is not None and client_has(request, etag):
        return not_modified(etag)
    return finish(request, json_response(build()), etag)


def json_response(data) -> HttpResponse:
    """`data` as django-ninja renders a response body."""
    return HttpResponse(json.dumps(data, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8")
