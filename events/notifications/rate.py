"""The global bound on the rate of pushes: a token bucket shared by every worker, kept in Redis.

A goal of a big club is one push per subscribed browser at once; push services throttle senders that burst
(FCM, Mozilla's autopush and Apple's answer 429). Every send takes a slot from one schedule (GCRA: the bucket as
the theoretical time the next slot frees): PUSH_GLOBAL_RATE per second on average, PUSH_GLOBAL_BURST at once.
A job that finds no slot free is put back on the queue for the moment its slot comes, its slot kept, rather than
polling. Per worker process it would not hold: RQ runs each job in a process of its own.
"""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger(__name__)

# Returns how many seconds the caller must wait for the slot it has just taken (0: send now).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2]) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - burst - now
if wait < 0 then wait = 0 end
tat = tat + interval
redis.call('SET', KEYS[1], tostring(tat), 'EX', math.ceil(tat - now) + 60)
return tostring(wait)
"""


def key() -> str:
    # One bucket per site: sites sharing a Redis keep their channel layers apart by this prefix too.
    return f"{settings.CHANNEL_LAYER_PREFIX}:push:rate"


def reserve(connection) -> float:
    """Take the next slot; the seconds to wait for it. With Redis away, no bound (and no wait): the queue is on the
    same Redis, so nothing is being sent then anyway."""
    rate = settings.PUSH_GLOBAL_RATE
    if rate <= 0:
        return 0.0
    try:
        return float(connection.eval(_RESERVE, 1, key(), 1.0 / rate, settings.PUSH_GLOBAL_BURST))
    except Exception:
        logger.warning("Push: the rate bound was not checked (Redis)", exc_info=True)
        return 0.0
