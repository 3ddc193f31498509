"""How many HTTP requests this process is serving: the fan-out gives way while there are any."""

from __future__ import annotations

import threading

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

_lock = threading.Lock()
_in_flight = 0


def requests_in_flight() -> int:
    """How many HTTP requests this process is serving now."""
    return _in_flight


class CountRequestsInFlight:
    """Counts the requests this process is serving, so that a fan-out can give way while there are any.

    A change to thousands of fans keeps the event loop's thread busy for a few hundred milliseconds,
    and a request's thread (an editor's next goal) needs the same interpreter lock to run.
    """

    # Async as well: a sync-only middleware makes each request hop between the loop and a thread
    # (matchcentre/static_files.py).
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.count_async(request)
        _started()
        try:
            return self.get_response(request)
        finally:
            _finished()

    async def count_async(self, request):
        _started()
        try:
            return await self.get_response(request)
        finally:
            _finished()


def _started() -> None:
    global _in_flight
    with _lock:
        _in_flight += 1


def _finished() -> None:
    global _in_flight
    with _lock:
        _in_flight -= 1
