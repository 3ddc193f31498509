"""GET /healthz: can this process serve? Its database, its channel layer, its version, its live delivery.

For load balancers, systemd and people: 200 when the database and the channel layer answer, else 503,
with what failed named. Never cached.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from channels.db import database_sync_to_async
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from live.health import layer_round_trip, server_status


@cache
def version() -> str:
    with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]["version"]


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


@require_GET
async def healthz(request):
    checks = {
        "database": "ok" if await database_sync_to_async(database_answers)() else "unreachable",
        "channel_layer": "ok" if await layer_round_trip() else "unreachable",
    }
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "version": version(), **checks, "live": server_status()}
    return JsonResponse(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})
