"""GET /healthz: can this process serve? Its database, its channel layer, its version, its live delivery.

For load balancers, systemd and people: 200 when the database and the channel layer answer, else 503,
with what failed named. Never cached.

`python -m matchcentre.health --wait URL` waits until URL answers 200 (deploy/systemd's ExecStartPost):
see `main`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import time
import tomllib
import urllib.parse
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


# --- waiting for a process to be healthy -----------------------------------------------------------


def probe_host(url: str, allowed_hosts: str) -> str:
    """The Host header to send: the first host ALLOWED_HOSTS names outright (a process with DEBUG off
    answers any other with 400), else the URL's own."""
    for entry in allowed_hosts.split(","):
        entry = entry.strip().lstrip(".")
        if entry and "*" not in entry:
            return entry
    return urllib.parse.urlsplit(url).netloc


def probe(url: str, host: str, timeout: float) -> tuple[int, str]:
    """One GET: (status, body). Plain http.client: no proxies from the environment, no redirects followed.

    X-Forwarded-Proto: https, as nginx sends it: with DEBUG off the settings redirect plain HTTP to HTTPS.
    """
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        headers = {"Host": host, "X-Forwarded-Proto": "https", "Accept": "application/json"}
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(2000).decode("utf-8", errors="replace")
    finally:
        connection.close()


def wait_until_healthy(url: str, *, timeout: float, host: str, interval: float = 0.5) -> tuple[bool, str]:
    """Ask `url` until it answers 200 or `timeout` seconds pass: (healthy, what it said last)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, body = probe(url, host, timeout=min(5.0, max(timeout, 0.1)))
            last = f"{status} {body.strip()}"
            if status == 200:
                return True, last
        except OSError as error:
            last = f"no answer ({error})"
        if time.monotonic() + interval > deadline:
            return False, last
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    """`python -m matchcentre.health --wait http://127.0.0.1:8001/healthz [--timeout 60] [--host NAME]`.

    Exits 0 as soon as the URL answers 200, 1 when it has not after the timeout, saying what it answered
    last. deploy/systemd runs it after each start, so that `systemctl restart` returns once the process
    serves, and a process that never does fails its start instead of taking fans. Needs no settings.
    """
    parser = argparse.ArgumentParser(
        prog="python -m matchcentre.health", description="Wait until a process's /healthz answers 200."
    )
    parser.add_argument("--wait", metavar="URL", required=True, help="the process's /healthz")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait (default 60)")
    parser.add_argument("--host", help="the Host header (default: the first of $ALLOWED_HOSTS, else the URL's)")
    args = parser.parse_args(argv)
    host = args.host or probe_host(args.wait, os.environ.get("ALLOWED_HOSTS", ""))
    started = time.monotonic()
    healthy, last = wait_until_healthy(args.wait, timeout=args.timeout, host=host)
    elapsed = time.monotonic() - started
    if healthy:
        print(f"{args.wait}: healthy after {elapsed:.1f} s")
        return 0
    print(f"{args.wait}: not healthy after {elapsed:.1f} s; last: {last}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
