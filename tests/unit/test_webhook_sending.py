"""events/webhooks/sending.py: an attempt connects to the addresses its URL was checked against, and only those."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from events.webhooks import addresses, sending

PUBLIC = "93.184.215.14"


class Receiver:
    """An HTTP server on 127.0.0.1 that notes each request's Host header and answers 204."""

    def __init__(self):
        self.hosts: list[str] = []
        received = self.hosts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(self.headers.get("Host"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def resolver(monkeypatch, *answers):
    """Replace the resolver: the n-th lookup of any name gets answers[n] (the last one from then on)."""
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        address = answers[min(len(asked), len(answers)) - 1]
        if isinstance(address, Exception):
            raise address
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def post(url: str) -> sending.Outcome:
    return sending.post(url, b'{"seq": 1}', {"Content-Type": "application/json"}, timeout=1.0)


def test_a_name_that_answers_a_public_address_and_then_loopback_is_not_posted_to_loopback(
    receiver, monkeypatch, settings
):
    # DNS rebinding: the check sees a public address; a second lookup at connect time would see this machine.
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    asked = resolver(monkeypatch, PUBLIC, "127.0.0.1")

    outcome = post(f"http://hooks.example:{receiver.port}/matchcentre")

    assert receiver.hosts == []
    assert not outcome.delivered
    assert asked == ["hooks.example"]


def test_the_post_goes_to_the_checked_address_and_names_the_receivers_host(receiver, monkeypatch, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    asked = resolver(monkeypatch, "127.0.0.1", "192.0.2.1")

    outcome = post(f"http://hooks.example:{receiver.port}/matchcentre")

    assert outcome == sending.Outcome(True, 204)
    assert receiver.hosts == [f"hooks.example:{receiver.port}"]
    assert asked == ["hooks.example"]


def test_a_private_address_is_refused_for_good_and_a_name_that_does_not_resolve_is_tried_again(
    monkeypatch, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    resolver(monkeypatch, "10.0.0.7")
    refused = post("https://hooks.example/matchcentre")
    assert (refused.delivered, refused.final) == (False, True) and "not a public address" in refused.error

    resolver(monkeypatch, socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"))
    unresolved = post("https://hooks.example/matchcentre")
    assert (unresolved.delivered, unresolved.final) == (False, False)
    assert unresolved.error == "hooks.example does not resolve to an address."


def test_the_form_still_refuses_a_name_that_does_not_resolve(monkeypatch):
    resolver(monkeypatch, socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    with pytest.raises(addresses.RefusedURL, match="does not resolve"):
        addresses.check_url("https://hooks.example/matchcentre", allow_private=False)


def test_the_next_checked_address_is_tried_when_one_refuses(receiver):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refusing = closed.getsockname()
    closed.close()

    connection = addresses.connect_to(
        [(socket.AF_INET, refusing), (socket.AF_INET, ("127.0.0.1", receiver.port))], timeout=1.0
    )
    try:
        assert connection.getpeername() == ("127.0.0.1", receiver.port)
    finally:
        connection.close()


def test_no_handler_of_urllibs_own_can_open_a_connection_past_the_checked_addresses():
    opener = sending.opener([(socket.AF_INET, (PUBLIC, 443))])
    openers = {
        scheme: [type(handler) for handler in opener.handlers if hasattr(handler, f"{scheme}_open")]
        for scheme in ("http", "https")
    }
    assert openers == {"http": [sending._CheckedHTTPHandler], "https": [sending._CheckedHTTPSHandler]}
