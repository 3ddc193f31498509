"""live.daphne: Daphne's per-connection housekeeping, done a slice at a time.

A twisted Clock stands in for the reactor, so each slice and pause can be stepped through.
"""

from __future__ import annotations

import asyncio
import functools
import time

import pytest
from twisted.internet.task import Clock

from live import daphne as server_module
from live.daphne import APPLICATION_CHECK_SECONDS, TIMEOUT_CHECK_SECONDS, Server, frame_writer, write_frame


class FakeProtocol:
    """What the checks touch of a Daphne protocol."""

    def __init__(self):
        self.timeout_checks = 0
        self.exceptions = []

    def check_timeouts(self):
        self.timeout_checks += 1

    def handle_exception(self, exception):
        self.exceptions.append(exception)


@pytest.fixture
def loop():
    """A loop that the applications' futures belong to; the checks only look at them, never run it."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def finished(loop, result=None, exception=None) -> asyncio.Future:
    future = loop.create_future()
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)
    return future


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def server(clock, monkeypatch):
    instance = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"], application_close_timeout=10)
    instance.clock = clock
    instance.connections = {}
    # One connection per slice, so that every pause shows.
    monkeypatch.setattr(server_module, "HOUSEKEEPING_SLICE_SECONDS", -1)
    return instance


def run_pass(clock: Clock, interval: float) -> int:
    """Step through the pauses of a pass in progress; the number of slices it took."""
    slices = 1
    while clock.getDelayedCalls() and clock.getDelayedCalls()[0].getTime() - clock.seconds() < interval:
        clock.advance(server_module.HOUSEKEEPING_PAUSE_SECONDS)
        slices += 1
    return slices


def test_the_timeout_check_visits_every_connection_in_slices_then_waits_for_the_next_pass(server, clock):
    protocols = [FakeProtocol() for _ in range(5)]
    server.connections = {protocol: {"connected": time.time()} for protocol in protocols}

    server.timeout_checker()
    assert [p.timeout_checks for p in protocols] == [1, 0, 0, 0, 0]  # one slice, then a pause
    assert run_pass(clock, TIMEOUT_CHECK_SECONDS) == 5
    assert [p.timeout_checks for p in protocols] == [1] * 5

    [next_pass] = clock.getDelayedCalls()
    assert next_pass.getTime() - clock.seconds() == pytest.approx(TIMEOUT_CHECK_SECONDS)
    clock.advance(TIMEOUT_CHECK_SECONDS)
    run_pass(clock, TIMEOUT_CHECK_SECONDS)
    assert [p.timeout_checks for p in protocols] == [2] * 5


def test_a_connection_gone_during_a_pass_is_skipped(server, clock):
    first, gone = FakeProtocol(), FakeProtocol()
    server.connections = {first: {}, gone: {}}
    server.timeout_checker()
    del server.connections[gone]
    run_pass(clock, TIMEOUT_CHECK_SECONDS)
    assert (first.timeout_checks, gone.timeout_checks) == (1, 0)


def test_one_failing_connection_does_not_stop_the_checks(server, clock):
    class Broken(FakeProtocol):
        def check_timeouts(self):
            raise RuntimeError("broken")

    after = FakeProtocol()
    server.connections = {Broken(): {}, after: {}}
    server.timeout_checker()
    run_pass(clock, TIMEOUT_CHECK_SECONDS)
    assert after.timeout_checks == 1
    assert len(clock.getDelayedCalls()) == 1  # the next pass is still due


def test_the_application_check_reaps_as_daphne_does(server, clock, loop):
    now = time.time()
    running = FakeProtocol()
    done_open = FakeProtocol()
    done_closed = FakeProtocol()
    failed_open = FakeProtocol()
    hung_closed = FakeProtocol()
    hung_app = loop.create_future()
    error = ValueError("inside the application")
    server.connections = {
        running: {"application_instance": loop.create_future()},
        done_open: {"application_instance": finished(loop)},
        done_closed: {"application_instance": finished(loop), "disconnected": now},
        failed_open: {"application_instance": finished(loop, exception=error)},
        hung_closed: {"application_instance": hung_app, "disconnected": now - 60},
    }

    server.application_checker()
    assert run_pass(clock, APPLICATION_CHECK_SECONDS) == 5

    assert "application_instance" in server.connections[running]
    assert "application_instance" not in server.connections[done_open]  # reaped; the socket stays
    assert done_closed not in server.connections  # reaped and gone
    assert "application_instance" not in server.connections[failed_open]
    assert failed_open.exceptions == [error]  # Daphne answers the client with the error
    assert hung_app.cancelled()  # past application_close_timeout after the disconnect
    [next_pass] = clock.getDelayedCalls()
    assert next_pass.getTime() - clock.seconds() == pytest.approx(APPLICATION_CHECK_SECONDS)


def test_the_frame_writer_recognises_this_server_as_daphne(server):
    """frame_writer finds the protocol behind Daphne's `send`, for this server as for Daphne's."""

    class Protocol:
        state = STATE_OPEN = 3
        send_queue = ()
        transport = None

        def sendData(self, data):
            pass

    protocol = Protocol()
    writer = frame_writer(functools.partial(server.handle_reply, protocol))
    assert (writer.func, writer.args) == (write_frame, (protocol,))

    class OtherServer:
        def handle_reply(self, protocol, message):
            pass

    assert frame_writer(functools.partial(OtherServer().handle_reply, protocol)) is None


def test_the_server_listens_with_a_backlog_that_holds_a_crowd():
    """Twisted's default backlog of 50 dropped handshakes when thousands of fans arrived at once."""
    server = Server(
        application=None,
        endpoints=["tcp:port=8000:interface=127.0.0.1", "unix:/run/mc.sock", "tcp:port=8001:backlog=64", "fd:fileno=3"],
    )
    assert server.endpoints == [
        f"tcp:port=8000:interface=127.0.0.1:backlog={server_module.LISTEN_BACKLOG}",
        f"unix:/run/mc.sock:backlog={server_module.LISTEN_BACKLOG}",
        "tcp:port=8001:backlog=64",
        "fd:fileno=3",
    ]


def test_the_server_freezes_what_start_up_loaded_before_any_fan_connects(monkeypatch):
    """A process with no fans (the newsroom's, which takes editors' writes) paid full collections of
    Django's whole heap, 90-115 ms, inside editors' requests: the policy is installed as the server starts."""
    installed = []
    heap = type("Heap", (), {"install": lambda self: installed.append(1)})()
    monkeypatch.setattr(server_module, "long_lived_heap", heap)
    monkeypatch.setattr(server_module.daphne.server.Server, "run", lambda self: installed.append("serving"))
    monkeypatch.setattr(Server, "running", False)
    Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"]).run()
    assert installed == [1, "serving"]
