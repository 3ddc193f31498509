"""What the embeddable widgets read: the publishers' origins that may frame them, and what a widget is of
(its title and size) for the snippet and oEmbed."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction

from ..models import EmbedSite, Group, Match

logger = logging.getLogger(__name__)

ORIGINS_KEY = "embeds:frame-ancestors"
# Every widget's response names the origins, so they come from the cache, not a query per page. A save or
# a delete forgets them after commit; the expiry covers writes that send no signal (a queryset's update()).
ORIGINS_TTL_SECONDS = 60


def allowed_origins() -> tuple[str, ...]:
    """The active publishers' origins, sorted (so that the header, and a cache keyed by it, is stable)."""
    try:
        origins = cache.get(ORIGINS_KEY)
    except Exception:
        # A widget is served as every other page is while the cache is away: from the database.
        logger.warning("Embed sites not read from the cache: the cache is unavailable", exc_info=True)
        return _active_origins()
    if origins is None:
        origins = _active_origins()
        try:
            cache.set(ORIGINS_KEY, origins, ORIGINS_TTL_SECONDS)
        except Exception:
            logger.warning("Embed sites not cached: the cache is unavailable", exc_info=True)
    return tuple(origins)


def _active_origins() -> tuple[str, ...]:
    return tuple(EmbedSite.objects.filter(active=True).order_by("origin").values_list("origin", flat=True))


def forget_origins(**kwargs) -> None:
    """Drop the cached origins now and again once the write commits: a page built in between must not put
    the old list back in the cache for a minute."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    try:
        cache.delete(ORIGINS_KEY)
    except Exception:
        # The admin's save stands; widgets catch up when the cached list expires.
        logger.warning("Embed sites not forgotten in the cache: the cache is unavailable", exc_info=True)


def match_subject(match_id: int) -> dict | None:
    """What a match's widget is titled, or None for no such match."""
    match = (
        Match.objects.filter(pk=match_id)
        .values("home__name", "away__name", "competition__name", "competition__season")
        .first()
    )
    if match is None:
        return None
    return {
        "title": f"{match['home__name']} v {match['away__name']}",
        "context": f"{match['competition__name']} {match['competition__season']}",
    }


def group_subject(group_id: int) -> dict | None:
    """What a group table's widget is titled, and how many teams its table has (the widget's height), or None."""
    group = Group.objects.filter(pk=group_id).values("name", "competition__name", "competition__season").first()
    if group is None:
        return None
    teams = Match.objects.filter(group_id=group_id).values_list("home_id", "away_id")
    return {
        "title": f"{group['name']} table",
        "context": f"{group['competition__name']} {group['competition__season']}",
        "teams": len({team for pair in teams for team in pair}),
    }
