"""A German match page whose socket the server closes with one of its codes says why in German.

The server's close reason is a short English diagnostic (docs/protocol.md); the page goes by the code and shows
its own words from the JavaScript catalog. The socket is answered here (Playwright's WebSocket routing), so that
each code can be sent to a real page without bringing the database or the server down.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import WebSocketRoute, expect

from live.protocol import CLOSE_NOT_FOUND, CLOSE_OLD_PROTOCOL, CLOSE_TOO_MANY, CLOSE_UNAVAILABLE

SHOWN = [
    (CLOSE_UNAVAILABLE, "The database is unavailable; try again shortly.",
     "Live-Updates sind gerade nicht verfügbar (die Datenbank des Servers ist weg oder der Server ist voll). "
     "Neuer Versuch in Kürze…"),
    (CLOSE_TOO_MANY, "Too many connections from this address.",
     "Zu viele Live-Verbindungen aus deinem Netzwerk. Neuer Versuch in Kürze…"),
    (CLOSE_NOT_FOUND, "No such match or group.", "Nicht verbunden (nicht gefunden)"),
    (CLOSE_OLD_PROTOCOL, "This server speaks version 2 of the live protocol: reload the page.",
     "Diese Seite ist veraltet: Lade sie neu, um das Spiel live zu verfolgen"),
]


@pytest.mark.parametrize(("code", "reason", "german"), SHOWN, ids=[str(code) for code, _, _ in SHOWN])
def test_a_refused_socket_is_explained_in_the_pages_language(web, fan_server, liverpool_napoli, code, reason, german):
    context = web.context(fan_server)
    context.add_cookies([{"name": "django_language", "value": "de", "url": fan_server.base_url}])
    page = context.new_page()
    refused = []

    def refuse(socket: WebSocketRoute) -> None:
        refused.append(socket.url)
        socket.close(code=code, reason=reason)

    page.route_web_socket(re.compile(r"/ws/"), refuse)
    page.goto(f"/matches/{liverpool_napoli.id}/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#live-status-text")).to_have_text(german)
    assert any("lang=de" in url for url in refused), refused


def test_a_full_server_is_not_asked_again_before_the_time_it_names(web, fan_server, liverpool_napoli):
    page = web.context(fan_server).new_page()
    attempts: list[float] = []

    def full(socket: WebSocketRoute) -> None:
        attempts.append(time.monotonic())
        socket.close(code=CLOSE_UNAVAILABLE, reason="This server is full: try again in 2 s (retry-after=2).")

    page.route_web_socket(re.compile(r"/ws/"), full)
    page.goto(f"/matches/{liverpool_napoli.id}/")
    deadline = time.monotonic() + 10
    while len(attempts) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(attempts) >= 2, "the page never tried again"
    # Not before the 2 s it was told, and within the 2 s after (spread, so a refused crowd does not return at once).
    assert 2.0 <= attempts[1] - attempts[0] <= 4.5, attempts
