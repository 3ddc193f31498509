"""Notifications of a change, for the fans who follow either team of its match: called by the commit path
(commit.announce_on_commit) in the change's transaction.

In-page: the notification, built once, goes to the teams' feeds on the channel layer after the commit
(live/publish.py), and every open page of the site following one of them shows it. Web Push: one announcement is
written now, with the change; the task queue writes a delivery per subscribed browser and sends each
(events/services/push.py).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction

from live import announcer, protocol, publish

from ..models import Change, Match
from ..notifications import content
from . import push


def announce(*, change: Change, match: Match) -> None:
    if not content.may_notify(change):
        return
    names = content.team_names(match)
    built = content.notification(change, match, names, settings.LANGUAGE_CODE)
    if built is None:
        return
    # Built once per language, as a change's fans' text is; each language's pages listen to its own team feeds.
    texts = {
        language: json.dumps(built if language == settings.LANGUAGE_CODE
                             else content.notification(change, match, names, language),
                             separators=(",", ":"), ensure_ascii=False)
        for language in protocol.languages()
    }
    team_ids, match_id, seq = [match.home_id, match.away_id], match.id, change.seq
    # Sent as the change is, after the editor's answer (live/announcer.py).
    transaction.on_commit(
        lambda: announcer.announce(lambda: publish.notification_sends(team_ids, texts, match_id=match_id, seq=seq))
    )
    push.record_announcement(change=change, match=match)
