"""How many HTTP requests this process is serving: the fan-out gives way while there are any."""

from __future__ import annotations

import threading

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

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        global _in_flight
        with _lock:
            _in_flight += 1
        try:
            return self.get_response(request)
        finally:
            with _lock:
                _in_flight -= 1
