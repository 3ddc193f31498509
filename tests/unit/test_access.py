"""matchcentre/access.py: one access line per request and two per socket, naming the client in the scope."""

from __future__ import annotations

import logging

import pytest
from channels.testing import WebsocketCommunicator
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from matchcentre.access import WebsocketAccessLog, access_log


@pytest.fixture
def access_lines(caplog):
    caplog.set_level(logging.INFO, logger="matchcentre.access")
    return lambda: [record for record in caplog.records if record.name == "matchcentre.access"]


def test_a_request_is_logged_once_with_its_client_status_size_and_duration(access_lines):
    middleware = access_log(lambda request: HttpResponse("x" * 42, status=201))
    request = RequestFactory().post("/api/matches/9/events?dry=1", REMOTE_ADDR="198.51.100.7")
    middleware(request)
    [line] = access_lines()
    assert line.getMessage().startswith('198.51.100.7 "POST /api/matches/9/events?dry=1" 201 42 ')
    assert (line.client, line.method, line.path, line.status, line.bytes) == (
        "198.51.100.7",
        "POST",
        "/api/matches/9/events?dry=1",
        201,
        42,
    )
    assert line.duration_ms >= 0


def test_a_streamed_body_of_unknown_length_is_logged_as_a_dash(access_lines):
    middleware = access_log(lambda request: StreamingHttpResponse(iter([b"a", b"b"])))
    middleware(RequestFactory().get("/stream", REMOTE_ADDR="127.0.0.1"))
    [line] = access_lines()
    assert line.getMessage().startswith('127.0.0.1 "GET /stream" 200 - ')
    assert line.bytes is None


@pytest.mark.asyncio
async def test_under_an_async_chain_it_stays_async(access_lines):
    async def view(request):
        return HttpResponse("ok")

    middleware = access_log(view)
    response = await middleware(RequestFactory().get("/healthz", REMOTE_ADDR="127.0.0.1"))
    assert response.status_code == 200
    assert access_lines()[0].getMessage().startswith('127.0.0.1 "GET /healthz" 200 2 ')


async def closes_on_message(scope, receive, send):
    """A bare ASGI websocket application (no consumer, no database): accepts, closes with 4429 on a message."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.close", "code": 4429})
        elif message["type"] == "websocket.disconnect":
            return


@pytest.mark.asyncio
async def test_a_socket_gets_a_line_when_it_connects_and_one_when_it_closes(access_lines):
    app = WebsocketAccessLog(closes_on_message)
    communicator = WebsocketCommunicator(app, "/ws/matches/9/?since=12")
    communicator.scope["client"] = ["198.51.100.7", 50000]
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data="hello")
    assert (await communicator.receive_output())["code"] == 4429
    await communicator.disconnect(code=4429)
    lines = [line.getMessage() for line in access_lines()]
    assert lines[0] == '198.51.100.7 "WSCONNECT /ws/matches/9/?since=12"'
    assert lines[1].startswith('198.51.100.7 "WSDISCONNECT /ws/matches/9/?since=12" 4429 ')
    assert len(lines) == 2  # nothing for the message in between
    assert access_lines()[1].close_code == 4429


@pytest.mark.asyncio
async def test_with_the_access_log_off_sockets_pass_untouched(caplog):
    caplog.set_level(logging.WARNING, logger="matchcentre.access")
    communicator = WebsocketCommunicator(WebsocketAccessLog(closes_on_message), "/ws/matches/9/")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()
    assert not [record for record in caplog.records if record.name == "matchcentre.access"]
