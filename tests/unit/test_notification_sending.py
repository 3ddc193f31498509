"""events/notifications/sending.py: a push goes to the addresses its endpoint was checked against, and only those.

Anyone may subscribe an endpoint, so its name is the attacker's to point: resolved once to pass the check and again
to connect, it could answer a public address and then this machine's (DNS rebinding).
"""

from __future__ import annotations

import secrets
import socket
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from events.notifications import sending, vapid
from tests.push_service import PushService, Subscriber

PUBLIC = "93.184.215.14"


def resolver(monkeypatch, *answers):
    """Replace the resolver: the n-th lookup of any name gets answers[n] (the last one from then on)."""
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        address = answers[min(len(asked), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.fixture
def keys(settings):
    pair = vapid.generate()
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = pair.private_key, pair.public_key
    settings.VAPID_SUBJECT = "mailto:newsroom@matchcentre.example"
    settings.PUSH_TIMEOUT = 1.0
    return pair


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections made to it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _address = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()


def push(endpoint: str, subscriber: Subscriber) -> sending.Outcome:
    return sending.send(endpoint=endpoint, p256dh=subscriber.p256dh, auth=subscriber.auth, payload={"title": "Goal"},
                        ttl=60, urgency="high", topic="")


def a_browser(endpoint: str) -> Subscriber:
    return Subscriber("x", endpoint, ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16))


def test_an_endpoint_that_answers_a_public_address_and_then_loopback_is_not_connected_to_loopback(
    keys, monkeypatch, settings
):
    settings.PUSH_ALLOW_PRIVATE_HOSTS = False
    listener = Listener()
    asked = resolver(monkeypatch, PUBLIC, "127.0.0.1")

    endpoint = f"https://push.example:{listener.port}/push/x"
    outcome = push(endpoint, a_browser(endpoint))

    assert listener.accepted == 0
    assert not outcome.delivered
    assert asked == ["push.example"]


def test_the_push_reaches_the_checked_address_for_the_endpoints_host(keys, monkeypatch, settings):
    settings.PUSH_ALLOW_PRIVATE_HOSTS = True
    service = PushService(keys.public_key)
    port = service.server.server_address[1]
    service.origin = f"http://push.example:{port}"  # the audience the push is signed for: the endpoint's origin
    subscriber = service.subscribe()
    asked = resolver(monkeypatch, "127.0.0.1", "192.0.2.1")

    outcome = push(f"http://push.example:{port}/push/{subscriber.token}", subscriber)

    assert (outcome.delivered, outcome.status_code) == (True, 201), outcome
    assert [arrival.payload for arrival in service.arrivals] == [{"title": "Goal"}]
    assert asked == ["push.example"]
    service.server.shutdown()
