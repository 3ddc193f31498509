"""GET /healthz: this process's database, channel layer and version, for load balancers and people."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from live import health

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_200_when_the_database_and_the_channel_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["channel_layer"]) == ("ok", "ok", "ok")
    assert body["version"]
    assert body["live"] == {"server": None, "frames": None, "handshakes": None}  # not under Daphne here
    assert response["Cache-Control"] == "no-store"


def test_it_answers_503_naming_the_channel_layer_when_it_does_not_answer(client, monkeypatch):
    class UnreachableLayer:
        async def new_channel(self, prefix="specific."):
            raise ConnectionError("Redis is away")

    monkeypatch.setattr(health, "channel_layer", lambda: UnreachableLayer())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["status"], response.json()["channel_layer"]) == ("unavailable", "unreachable")
    assert response.json()["database"] == "ok"


def test_it_answers_503_naming_the_database_when_it_fails(client, monkeypatch):
    def unreachable(self, sql, params=None):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["database"], response.json()["channel_layer"]) == ("unreachable", "ok")


def test_it_is_for_reading_only(client):
    assert client.post("/healthz").status_code == 405
