"""Publishing: the only code that sends to the channel layer.

A change is serialized once per kind of reader (live/messages.py): the fans' text goes to the match's feed
and to its football group's feed, the full text to the match's editor feed, the table's update to the
group's table feed and its group feed, each language's text on that language's feeds; every process's
fan-out forwards each untouched. Called only after
a commit, from events/services/.
"""

from __future__ import annotations

import datetime
import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .protocol import (
    FORWARD_TYPE,
    SIGNED_OUT_TYPE,
    bracket_feed,
    day_feed,
    editor_feed,
    group_feed,
    kickoff_day,
    languages,
    match_feed,
    table_feed,
    team_feed,
    user_feed,
)

logger = logging.getLogger(__name__)

# What a fan-out keys a table update's version under, beside the seqs of the feed's matches.
TABLE_KEY = "table"


def channel_layer():
    """The channel layer; publishing here and subscribing in live/fanout.py both go through it."""
    return get_channel_layer()


def publish(*args, **kwargs) -> None:
    """Send a change to every open page now (change_sends says what goes where)."""
    send_all(change_sends(*args, **kwargs))


def change_sends(
    match_id: int,
    group_id: int | None,
    text: str,
    seq: int | None = None,
    *,
    day_text: str | None = None,
    kickoff: datetime.datetime | None = None,
    bracket_texts: dict[str, str] | None = None,
    competition_id: int | None = None,
    editor_texts: dict[str, str] | None = None,
    table_texts: dict[str, str] | None = None,
    table_version: int | None = None,
    translations: dict[str, str] | None = None,
) -> list[tuple[str, dict]]:
    """What a change sends to every open page, as (feed, message) in the order they go.

    `text` is the change as fans get it; `editor_texts` the same change in full, by language, for editors' consoles;
    `table_texts` what it changed of the group's table (None: nothing), by language, for every page showing
    the table, at `table_version`;
    `day_text` the change, compact, for pages listing the day of `kickoff`; `bracket_texts`, the part of
    the competition's bracket it changed, by language, for its bracket pages; `translations`, the fans' text in
    each other language, for the match's and the group's feeds in that language. Each language's feeds get
    that language's texts (the site's stand in for a language that has none of its own).

    The database already holds the change; a page that misses it notices the
    gap in seq and catches up from the change log.
    """
    sends: list[tuple[str, dict]] = []
    site, *others = languages()
    fan_texts = {site: text, **{language: (translations or {}).get(language, text) for language in others}}
    # match_id and seq let each process's fan-out drop a copy (see LocalFanOut._run).
    change = {"type": FORWARD_TYPE, "match_id": match_id, "seq": seq}
    table_texts = _in_every_language(table_texts) if group_id else None
    for language, translated in fan_texts.items():
        if table_texts is not None:
            # The match's fans show its group's table too: the table's update (in their language) rides with
            # the change, so that each of them gets both in one write, and not again from the table's feed
            # (LocalFanOut._deliver).
            sends.append((match_feed(match_id, language), {
                **change, "text": translated, "table_text": table_texts[language], "table_version": table_version,
                "table_feed": table_feed(group_id, language)}))
        else:
            sends.append((match_feed(match_id, language), {**change, "text": translated}))
    if group_id:
        for language, translated in fan_texts.items():
            sends.append((group_feed(group_id, language), {**change, "text": translated}))
    for language, full_text in (editor_texts or {}).items():
        full = {"type": FORWARD_TYPE, "text": full_text, "match_id": match_id, "seq": seq}
        sends.append((editor_feed(match_id, language), full))
    if table_texts is not None:
        # The table's version grows with every change of the group (it never goes back: a reset keeps
        # counting seqs up), so each fan-out drops a copy by it as it does a change's by its seq.
        for language, table_text in table_texts.items():
            message = {"type": FORWARD_TYPE, "text": table_text, "match_id": TABLE_KEY, "seq": table_version}
            sends.append((group_feed(group_id, language), message))
            sends.append((table_feed(group_id, language), message))
    if day_text is not None:
        # The compact change for pages listing the day its match kicks off.
        message = {"type": FORWARD_TYPE, "text": day_text, "match_id": match_id, "seq": seq}
        sends.append((day_feed(kickoff_day(kickoff)), message))
    if bracket_texts is not None:
        for language, bracket_text in _in_every_language(bracket_texts).items():
            message = {"type": FORWARD_TYPE, "text": bracket_text, "match_id": match_id, "seq": seq}
            sends.append((bracket_feed(competition_id, language), message))
    return sends


def _in_every_language(texts: dict[str, str] | None) -> dict[str, str] | None:
    """`texts` by language for every language, the site's first (its text for a language without one)."""
    if not texts:
        return None
    site, *others = languages()
    return {site: texts[site], **{language: texts.get(language, texts[site]) for language in others}}


def notification_sends(
    team_ids: list[int], texts: dict[str, str], *, match_id: int, seq: int
) -> list[tuple[str, dict]]:
    """A change's notification, in each language (`texts`), to the feeds of its match's teams (sent after the
    commit). Its match and seq let each fan-out drop a copy, as for changes; a page following both teams gets it
    twice and shows it once (its id and tag)."""
    return [
        (team_feed(team_id, language), {"type": FORWARD_TYPE, "text": text, "match_id": match_id, "seq": seq})
        for team_id in dict.fromkeys(team_ids) for language, text in texts.items()
    ]


def publish_rescheduled(match_id: int, previous_kickoff: datetime.datetime, kickoff: datetime.datetime) -> None:
    """A match's kick-off moved: pages of the day it left and of the day it joined start again from
    fresh snapshots (call after the commit that moved it)."""
    text = json.dumps({"type": "resync", "match_id": match_id})
    days = dict.fromkeys([kickoff_day(previous_kickoff), kickoff_day(kickoff)])
    send_all([(day_feed(day), {"type": FORWARD_TYPE, "text": text}) for day in days])


def publish_resync(matches) -> None:
    """Tell open pages to fetch a fresh snapshot: the matches changed in bulk (an import, a demo reset).

    One message per match and one per football group, rather than a table per change.
    """
    # Imported here: this module is loaded before Django's apps are ready (the health check's server), and
    # messages reads the models.
    from . import messages

    messages.forget_tables({match.group_id for match in matches if match.group_id})
    feeds = {match_feed(match.id, language): match.id for match in matches for language in languages()}
    feeds |= {editor_feed(match.id, language): match.id for match in matches for language in languages()}
    feeds |= {table_feed(match.group_id, language): None for match in matches if match.group_id
              for language in languages()}
    feeds |= {group_feed(match.group_id, language): None for match in matches if match.group_id
              for language in languages()}
    feeds |= {day_feed(kickoff_day(match.kickoff)): None for match in matches}
    feeds |= {bracket_feed(match.competition_id, language): None for match in matches
              if match.tie_id or match.group_id for language in languages()}
    send_all([(feed, {"type": FORWARD_TYPE, "text": json.dumps({"type": "resync", "match_id": match_id})})
               for feed, match_id in feeds.items()])


def close_user_sockets(user_id: int) -> None:
    """Close the user's editor sockets in every process (they signed out)."""
    _send(user_feed(user_id), {"type": SIGNED_OUT_TYPE})


def _send(feed: str, message: dict) -> None:
    send_all([(feed, message)])


def send_all(sends: list[tuple[str, dict]]) -> None:
    """Send each (feed, message) in order, in one trip to the event loop: a request's thread waits for the
    loop once per change, not once per feed (the loop is busy fanning out to thousands of fans). A failure is
    logged, never raised into the request."""
    if sends:
        async_to_sync(group_send_each)(sends)


async def group_send_each(sends: list[tuple[str, dict]]) -> None:
    layer = channel_layer()
    for feed, message in sends:
        try:
            await layer.group_send(feed, message)
        except Exception:
            logger.exception("Broadcast to %s failed; clients will catch up from the change log", feed)
