import daphne.server
import pytest

from live import daphne as integration
from live.heap import LongLivedHeap


@pytest.fixture
def start_server(monkeypatch):
    """Run live.daphne.Server's start-up checks as a server process would, without a reactor, and leave this
    process as it was: not marked as a running server (the health check would report one) and without the
    collector's policy for thousands of sockets (which freezes the heap after every full collection)."""
    monkeypatch.setattr(daphne.server.Server, "run", lambda self: None)
    monkeypatch.setattr(integration.Server, "running", False)
    monkeypatch.setattr(integration, "long_lived_heap", LongLivedHeap())
    monkeypatch.setattr(LongLivedHeap, "install", lambda self: setattr(self, "installed", True))

    def start() -> integration.Server:
        server = integration.Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
        server.run()
        return server

    return start
