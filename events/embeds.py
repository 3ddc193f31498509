"""Embeddable live widgets for publishers (a match, a group table) and oEmbed (https://oembed.com/).

A widget is a page of its own, meant for an <iframe> on another site: the match page's score header and
timeline, or the group page's table, from the same templates, kept live by the same scripts over the same
socket. Only these pages may be framed, and only by the origins an admin lists (EmbedSite): their
Content-Security-Policy names them in frame-ancestors, where every other page says 'none'.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from live import messages as live_messages

from . import caching
from .models import Group, Match
from .reads import embeds

THEMES = ("auto", "light", "dark")
PROVIDER_NAME = "Matchcentre"
# The widgets' sizes in CSS pixels: a match's score header and its latest events (the timeline scrolls
# inside), and a table of `teams` rows, at most a screenful (a 36-team league phase scrolls inside).
MATCH_SIZE = (480, 440)
TABLE_WIDTH = 480
TABLE_HEIGHT_BASE = 230
TABLE_ROW_HEIGHT = 42
TABLE_HEIGHT_MAX = 720
# Narrower than this, the score header's team names no longer fit: oEmbed answers 404 for a smaller maxwidth.
MIN_WIDTH = 280
MIN_HEIGHT = 200


# --- the widget's options ------------------------------------------------------------------------


def languages() -> tuple[str, ...]:
    """The languages a widget may be asked for: the site's LANGUAGES when it names them, else English alone
    (Django's default LANGUAGES lists every language it has a translation of, not ours)."""
    if settings.is_overridden("LANGUAGES"):
        return tuple(code.lower() for code, _name in settings.LANGUAGES)
    return ("en",)


def widget_options(request: HttpRequest) -> dict[str, str]:
    """`theme` and `lang` from the query; an unknown value is the default, so that a publisher's typo shows
    a widget rather than an error."""
    theme = request.GET.get("theme", "auto").strip().lower()
    known = languages()
    lang = known_language(request.GET.get("lang", ""), known) or known_language(settings.LANGUAGE_CODE, known)
    return {"theme": theme if theme in THEMES else "auto", "lang": lang or known[0]}


def known_language(code: str, known: tuple[str, ...]) -> str | None:
    """`code` if the site has it, else its language without the region (en-GB: en) if the site has that."""
    code = code.strip().lower()
    for candidate in (code, code.split("-")[0]):
        if candidate and candidate in known:
            return candidate
    return None


def widget_state(request: HttpRequest, state: tuple | None) -> tuple | None:
    """A page's cache state with the widget's options: the same match in another theme is another page."""
    if state is None:
        return None
    options = widget_options(request)
    return (*state, "embed", options["theme"], options["lang"], embeds.allowed_origins())


# --- framing -----------------------------------------------------------------------------------


def frame_ancestors() -> list[str]:
    """Who may frame a widget: the site itself and the admin's publishers."""
    return ["'self'", *embeds.allowed_origins()]


def framed_by_publishers(view):
    """The view's responses (304s included) may be framed by frame_ancestors(), read per request, and
    carry no X-Frame-Options: DENY (a browser that reads it would refuse every publisher)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        allowed = csp_replace({"frame-ancestors": frame_ancestors()})(view)
        return allowed(request, *args, **kwargs)

    return xframe_options_exempt(wrapper)


def render_widget(request: HttpRequest, template: str, context: dict):
    options = widget_options(request)
    with translation.override(options["lang"]):
        return render(request, template, {**context, **options})


# --- the widgets -------------------------------------------------------------------------------


@require_safe
@framed_by_publishers
@caching.cached_page(lambda request, match_id: widget_state(request, caching.match_state(match_id)), clock=True)
def match_widget(request, match_id: int):
    """A match's score header, clock and timeline, live over the match socket."""
    try:
        snapshot = live_messages.match_snapshot(match_id)
    except Match.DoesNotExist:
        raise Http404("No such match") from None
    return render_widget(request, "embed/match.html", {"snapshot": snapshot, "match": snapshot["match"]})


@require_safe
@framed_by_publishers
@caching.cached_page(lambda request, group_id: widget_state(request, caching.group_state(group_id)), clock=True)
def group_table_widget(request, group_id: int):
    """A group's table as it stands, live over the group socket."""
    try:
        snapshot = live_messages.group_snapshot(group_id)
    except Group.DoesNotExist:
        raise Http404("No such group") from None
    return render_widget(request, "embed/group_table.html", {"snapshot": snapshot, "group": snapshot})


# --- the snippet ---------------------------------------------------------------------------------


def widget_size(kind: str, teams: int = 0) -> tuple[int, int]:
    if kind == "match":
        return MATCH_SIZE
    return TABLE_WIDTH, min(TABLE_HEIGHT_MAX, TABLE_HEIGHT_BASE + TABLE_ROW_HEIGHT * teams)


def widget_url(request: HttpRequest, kind: str, subject_id: int, theme: str = "auto") -> str:
    name = "embed-match" if kind == "match" else "embed-group-table"
    url = request.build_absolute_uri(reverse(name, args=[subject_id]))
    return url if theme == "auto" else f"{url}?{urlencode({'theme': theme})}"


def snippet(request: HttpRequest, kind: str, subject_id: int, title: str, *, teams: int = 0, theme: str = "auto",
            width: int | None = None, height: int | None = None) -> dict:
    """The <iframe> a publisher copies, with its size (narrowed to `width` and `height` when given)."""
    default_width, default_height = widget_size(kind, teams)
    width = min(default_width, width or default_width)
    height = min(default_height, height or default_height)
    html = render_to_string("embed/_iframe.html", {
        "src": widget_url(request, kind, subject_id, theme), "width": width, "height": height,
        "title": f"{title} · {PROVIDER_NAME}",
    }).strip()
    return {"html": html, "width": width, "height": height}


def page_subject(request: HttpRequest, url: str) -> tuple[str, int] | None:
    """("match" | "group", id) for the URL of one of this site's match or group pages, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != request.get_host().lower():
        return None
    try:
        found = resolve(parts.path)
    except Resolver404:
        return None
    if found.url_name == "match":
        return "match", found.kwargs["match_id"]
    if found.url_name == "group":
        return "group", found.kwargs["group_id"]
    return None


def oembed_url(request: HttpRequest, page_path: str) -> str:
    """The oEmbed endpoint's URL for one of our pages, for the page's discovery link."""
    query = urlencode({"url": request.build_absolute_uri(page_path), "format": "json"})
    return request.build_absolute_uri(f"{reverse('oembed')}?{query}")


# --- oEmbed ----------------------------------------------------------------------------------------


def oembed_error(status: int, detail: str, code: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "field": field}, status=status)


def dimension(request: HttpRequest, name: str) -> int | None:
    """`maxwidth` or `maxheight`: a positive whole number of pixels, or absent; ValueError otherwise."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) == 0:
        raise ValueError(name)
    return int(raw)


@require_safe
@cache_control(public=True, max_age=300)
def oembed(request):
    """oEmbed 1.0 for match and group pages: a "rich" answer whose html is the widget's <iframe>.

    As the specification says: 404 for a URL with no widget, 501 for a format other than json."""
    url = request.GET.get("url", "").strip()
    if not url:
        return oembed_error(400, "url: the address of a match or group page is required", "invalid", "url")
    if request.GET.get("format", "json") != "json":
        return oembed_error(501, "format: only json is offered", "not_implemented", "format")
    try:
        max_width, max_height = dimension(request, "maxwidth"), dimension(request, "maxheight")
    except ValueError as error:
        return oembed_error(400, f"{error}: a positive whole number of pixels", "invalid", str(error))
    if (max_width is not None and max_width < MIN_WIDTH) or (max_height is not None and max_height < MIN_HEIGHT):
        return oembed_error(404, f"No widget fits in less than {MIN_WIDTH}×{MIN_HEIGHT} pixels", "not_found")
    subject = page_subject(request, url)
    if subject is None:
        return oembed_error(404, "url: not a match or group page of this site", "not_found", "url")
    kind, subject_id = subject
    about = embeds.match_subject(subject_id) if kind == "match" else embeds.group_subject(subject_id)
    if about is None:
        return oembed_error(404, f"url: no such {kind}", "not_found", "url")
    frame = snippet(request, kind, subject_id, about["title"], teams=about.get("teams", 0),
                    width=max_width, height=max_height)
    return JsonResponse({
        "version": "1.0",
        "type": "rich",
        "title": f"{about['title']} · {about['context']}",
        "provider_name": PROVIDER_NAME,
        "provider_url": request.build_absolute_uri("/"),
        "html": frame["html"],
        "width": frame["width"],
        "height": frame["height"],
    })
