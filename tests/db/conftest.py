import asyncio
import inspect

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from events import caching


@pytest.fixture(autouse=True)
def clock_window_stands_still(monkeypatch):
    """The clock's part of an ETag stands still unless a test moves it: a page that takes a while to build
    could otherwise straddle a window's edge, and the 304 asked for with its ETag would be a 200."""
    monkeypatch.setattr(caching, "clock_window", lambda: 1)


@pytest.fixture(autouse=True)
def database_thread_closed(request):
    """channels.testing's communicators switch off what database_sync_to_async does after each call in a
    server, closing the connection: a consumer's reads leave one open in asgiref's database thread after the
    test, and on PostgreSQL the test database then cannot be dropped at the end of the run. It is closed here,
    in that thread."""
    yield
    if inspect.iscoroutinefunction(request.function):
        asyncio.run(sync_to_async(connections.close_all)())
