"""The live protocol's fixed parts: feed names, message types, close codes, limits and frames.

docs/protocol.md describes them for clients; this module is what the server holds to.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import json
from urllib.parse import parse_qs

from django.conf import settings

# Feeds are channel-layer groups: every process with fans of a match (or of a football group's
# table, or an editor signed in) subscribes to its feed once.


def match_feed(match_id: int, language: str | None = None) -> str:
    """The feed of a match's fans. Each language but the site's has a feed of its own: the same changes, with
    the same seqs and figures, their words and markup in that language (docs/protocol.md)."""
    if not language or language == settings.LANGUAGE_CODE:
        return f"match.{match_id}"
    return f"match.{match_id}.{language}"


def languages() -> list[str]:
    """The languages a fan's socket may ask for, the site's first."""
    codes = [code for code, _name in settings.LANGUAGES]
    return [settings.LANGUAGE_CODE, *(code for code in codes if code != settings.LANGUAGE_CODE)]


def group_feed(group_id: int, language: str | None = None) -> str:
    """The feed of a football group: every change to any of its matches, and its table; one per language, as
    for a match."""
    if not language or language == settings.LANGUAGE_CODE:
        return f"group.{group_id}"
    return f"group.{group_id}.{language}"


def day_feed(day: datetime.date) -> str:
    """The feed of one day, by UTC date: every change of a match kicking off that day, compact."""
    return f"day.{day.isoformat()}"


def kickoff_day(kickoff: datetime.datetime) -> datetime.date:
    """The day whose feed carries a match: the UTC date of its kick-off (the same in every process)."""
    return kickoff.astimezone(datetime.UTC).date()


def days_spanned(start: datetime.datetime, end: datetime.datetime) -> list[datetime.date]:
    """The UTC dates whose feeds carry the matches kicking off in [start, end) (a reader's day)."""
    first, last = kickoff_day(start), kickoff_day(end - datetime.timedelta.resolution)
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def day_socket_path(start: datetime.datetime, end: datetime.datetime) -> str:
    return "/ws/days/{}/".format(",".join(day.isoformat() for day in days_spanned(start, end)))


def day_socket_bounds(start: datetime.datetime, end: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """From the first instant of the first UTC date the day socket follows to the end of the last."""
    days = days_spanned(start, end)
    first = datetime.datetime.combine(days[0], datetime.time(), tzinfo=datetime.UTC)
    return first, first + datetime.timedelta(days=len(days))


def bracket_feed(competition_id: int, language: str | None = None) -> str:
    """The feed of a competition's bracket: for each change of a tie's leg, that tie; for each change of a
    league-phase match, where the league phase's positions lead. One per language, as for a match."""
    if not language or language == settings.LANGUAGE_CODE:
        return f"bracket.{competition_id}"
    return f"bracket.{competition_id}.{language}"


def table_feed(group_id: int, language: str | None = None) -> str:
    """The feed of a football group's table: a small message per change that moved it. Match sockets of the
    group's matches join it; the group feed carries the same messages for the group's own pages. One per
    language, as for a match: the same rows, versions and bases, their words in that language."""
    if not language or language == settings.LANGUAGE_CODE:
        return f"table.{group_id}"
    return f"table.{group_id}.{language}"


def editor_feed(match_id: int, language: str | None = None) -> str:
    """The editor console's feed of a match: every change in full (the pitch, the whole event), which fans
    do not need; one per language, as for fans. Editors are few, so the full message costs little here."""
    if not language or language == settings.LANGUAGE_CODE:
        return f"editor.{match_id}"
    return f"editor.{match_id}.{language}"


def user_feed(user_id: int) -> str:
    """An editor's own feed: told when they sign out, so their console sockets close."""
    return f"user.{user_id}"


def team_feed(team_id: int, language: str | None = None) -> str:
    """The feed of a team's notifications: its matches' goals, red cards, VAR decisions, kick-off, half-time and
    full time, one message each (events/notifications/content.py), for any page of a fan who follows it. Each
    language but the site's has a feed of its own, as a match's has."""
    if not language or language == settings.LANGUAGE_CODE:
        return f"team.{team_id}"
    return f"team.{team_id}.{language}"


# A notifications socket follows at most this many teams (as many as a fan may follow).
MAX_TEAMS_PER_SOCKET = 50


def parse_teams(query_string: bytes) -> list[int] | None:
    """The teams a notifications socket follows (`teams=3,17`): 1 to MAX_TEAMS_PER_SOCKET ids in digits, each
    once; None for anything else."""
    values = parse_qs(query_string.decode("latin-1")).get("teams")
    if not values or len(values) > 1:
        return None
    parts = values[0].split(",")
    if not 1 <= len(parts) <= MAX_TEAMS_PER_SOCKET:
        return None
    if any(not part.isascii() or not part.isdigit() or part.startswith("0") or len(part) > 18 for part in parts):
        return None
    ids = [int(part) for part in parts]
    return ids if len(set(ids)) == len(ids) else None


# Message types on the channel layer.
FORWARD_TYPE = "forward.text"  # a change's text, forwarded untouched to every fan of the feed
SIGNED_OUT_TYPE = "user.signed_out"

# Sent to fans when their process's live feed is interrupted.
INTERRUPTED = json.dumps({"type": "status", "live": "interrupted"})

# The protocol version this server speaks (docs/protocol.md). Clients say theirs with `?v=N` on the socket's
# URL; match, group and editor sockets refuse any other (their messages changed shape in version 2).
PROTOCOL_VERSION = 2

# Close codes (4000-4999 are ours to define; see docs/protocol.md).
# The client speaks another version of the protocol (or says none, as version 1 clients did): reload the page.
CLOSE_OLD_PROTOCOL = 4426
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_SIGNED_OUT = 4401
CLOSE_TOO_MANY = 4429
# The database did not answer: try again later (with backoff, like any failed connection).
CLOSE_UNAVAILABLE = 4503
# Past MAX_MESSAGE_BYTES. (RFC 6455's 1009 is what Daphne itself sends past its own, larger limit;
# a server application may only send 1000 or 3000-4999.)
CLOSE_TOO_BIG = 4413
# The process's live feed was interrupted and is back: reconnect with `?since=N` to catch up.
CLOSE_RESUME = 4012

# What a fan may send: a ping now and then. Anything bigger, or faster, is not a page of ours.
MAX_MESSAGE_BYTES = 1024
MESSAGES_PER_SECOND = 2.0
MESSAGE_BURST = 10


def parse_version(query_string: bytes) -> int:
    """The protocol version a client speaks (`v=2`); 1 when it says none (version 1 clients did not) or
    something that is not a number."""
    values = parse_qs(query_string.decode("latin-1")).get("v")
    try:
        return int(values[0]) if values else 1
    except ValueError:
        return 1


def parse_table_version(query_string: bytes) -> int | None:
    """The version of the group table a page already shows (`table=V`), or None: it needs the whole table."""
    values = parse_qs(query_string.decode("latin-1")).get("table")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def parse_language(query_string: bytes) -> str:
    """The language a socket's changes are in (`lang=de`, the page's <html lang>): one of LANGUAGES, by its
    region too (de-AT is de); the site's language when absent or unknown."""
    values = parse_qs(query_string.decode("latin-1")).get("lang")
    code = values[0].strip().lower() if values else ""
    for candidate in (code, code.split("-")[0]):
        if candidate in languages():
            return candidate
    return settings.LANGUAGE_CODE


def parse_since(query_string: bytes) -> int | None:
    """The `since` a client resumes from: None when absent, -1 (unknown, so a snapshot) when not a number."""
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return -1


# A reader's day spans at most three UTC dates (a 25-hour day in a zone a few minutes off UTC); a day
# socket joins the feeds of those dates and no more.
MAX_DAYS_PER_SOCKET = 3
# A day socket's `since` names at most this many matches; past it, it starts from snapshots.
MAX_SINCE_MATCHES = 1000


def parse_days(text: str) -> list[datetime.date] | None:
    """The UTC dates a day socket follows (`2019-11-27` or `2019-11-26,2019-11-27`): one to
    MAX_DAYS_PER_SOCKET consecutive dates, in order; None for anything else."""
    parts = text.split(",")
    if not 1 <= len(parts) <= MAX_DAYS_PER_SOCKET:
        return None
    try:
        days = [datetime.date.fromisoformat(part) for part in parts]
    except ValueError:
        return None
    if any(len(part) != 10 for part in parts):
        return None  # fromisoformat also takes 20191127; one spelling per feed
    if any(later - earlier != datetime.timedelta(days=1) for earlier, later in itertools.pairwise(days)):
        return None
    return days


def parse_day_since(query_string: bytes) -> dict[int, int] | None:
    """The seq of each match a day socket resumes from (`since=9:16,10:4`); None when absent or unreadable
    (the socket then starts from snapshots, as a match socket does for an unknown `since`)."""
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None
    items = values[0].split(",")
    if len(items) > MAX_SINCE_MATCHES:
        return None
    seqs = {}
    for item in items:
        match_id, _, seq = item.partition(":")
        try:
            seqs[int(match_id)] = int(seq)
        except ValueError:
            return None
    return seqs


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented websocket text frame (RFC 6455, 5.2), as a server sends it."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 1 << 16:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload


@functools.lru_cache(maxsize=32)
def shared_text_frame(text: str) -> bytes:
    """`text_frame` of a text that a crowd gets at once (a shared opening): framed once while it is in use."""
    return text_frame(text)
