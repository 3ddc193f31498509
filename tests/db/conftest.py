import pytest

from events import caching


@pytest.fixture(autouse=True)
def clock_window_stands_still(monkeypatch):
    """The clock's part of an ETag stands still unless a test moves it: a page that takes a while to build
    could otherwise straddle a window's edge, and the 304 asked for with its ETag would be a 200."""
    monkeypatch.setattr(caching, "clock_window", lambda: 1)
