"""One Web Push send (RFC 8030) with pywebpush: the payload encrypted for the browser (aes128gcm, RFC 8291),
signed with the server's VAPID key (RFC 8292), and what the push service answered."""

from __future__ import annotations

import email.utils
import json
import socket
import time
from dataclasses import dataclass

import requests
import urllib3
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from ..webhooks import addresses
from . import vapid

ERROR_LENGTH = 300
# The push service's answers that mean the subscription is gone for good (RFC 8030, 7.3; 404 is what FCM and
# Mozilla's autopush answer for an unknown one): it is deactivated at once.
GONE = frozenset({404, 410})
# Answers no retry can change: a malformed request, a VAPID key the subscription was not made with, too big.
FINAL = frozenset({400, 401, 403, 413})


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str = ""
    gone: bool = False
    final: bool = False
    retry_after: float | None = None


class _DirectSession(requests.Session):
    """No proxy from the environment and no redirects: a redirect would send the payload past the address checks.
    Every connection goes to the endpoint's checked addresses (addresses.resolve), never to a second lookup of
    its name; the name stays the Host and the TLS server name."""

    def __init__(self, checked: list[tuple]):
        super().__init__()
        self.trust_env = False
        for adapter in self.adapters.values():
            adapter.poolmanager.pool_classes_by_scheme = pools_to(checked)

    def post(self, url, **kwargs):
        kwargs["allow_redirects"] = False
        return super().post(url, **kwargs)


def pools_to(checked: list[tuple]) -> dict[str, type]:
    """urllib3's connection pools, with connections that open to `checked` whatever their host resolves to."""

    def new_connection(connection) -> socket.socket:
        try:
            return addresses.connect_to(checked, connection.timeout, connection.source_address,
                                        connection.socket_options)
        except TimeoutError as error:
            timed_out = f"Connection to {connection.host} timed out."
            raise urllib3.exceptions.ConnectTimeoutError(connection, timed_out) from error
        except OSError as error:
            raise urllib3.exceptions.NewConnectionError(connection, f"Failed to connect: {error}") from error

    connection = type("CheckedConnection", (urllib3.connection.HTTPConnection,), {"_new_conn": new_connection})
    tls = type("CheckedTLSConnection", (urllib3.connection.HTTPSConnection,), {"_new_conn": new_connection})
    return {
        "http": type("CheckedPool", (urllib3.HTTPConnectionPool,), {"ConnectionCls": connection}),
        "https": type("CheckedTLSPool", (urllib3.HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


def check_endpoint(endpoint: str) -> None:
    """Raise addresses.RefusedURL unless the server may POST to `endpoint`: https (http only where private hosts
    are allowed, for local push services in development and tests) on a public address."""
    addresses.check_url(endpoint, allow_private=private_hosts_allowed(endpoint))


def resolve_endpoint(endpoint: str) -> list[tuple]:
    """check_endpoint's checks, and the addresses they passed: the only ones a send connects to."""
    return addresses.resolve(endpoint, allow_private=private_hosts_allowed(endpoint))


def private_hosts_allowed(endpoint: str) -> bool:
    """PUSH_ALLOW_PRIVATE_HOSTS; where it is off, raise addresses.RefusedURL unless `endpoint` is https."""
    allow_private = settings.PUSH_ALLOW_PRIVATE_HOSTS
    if not allow_private and not endpoint.lower().startswith("https://"):
        raise addresses.RefusedURL("A push endpoint is an https URL.")
    return allow_private


def send(*, endpoint: str, p256dh: str, auth: str, payload: dict, ttl: int, urgency: str, topic: str) -> Outcome:
    try:
        checked = resolve_endpoint(endpoint)
    except addresses.Unresolved as unresolved:
        return Outcome(False, error=f"{unresolved}"[:ERROR_LENGTH])
    except addresses.RefusedURL as refused:
        return Outcome(False, error=f"Refused: {refused}"[:ERROR_LENGTH], final=True)
    keys = vapid.keys()
    headers = {"Urgency": urgency}
    if topic:
        # A message still waiting at the push service (the device is offline) is replaced by a newer one with the
        # same topic (RFC 8030, 5.4): a goal disallowed meanwhile never reaches the device as a goal.
        headers["Topic"] = topic
    try:
        with _DirectSession(checked) as session:
            response = webpush(
                subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                data=json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
                vapid_private_key=Vapid.from_raw(keys.private_key.encode()),
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=ttl,
                headers=headers,
                timeout=settings.PUSH_TIMEOUT,
                requests_session=session,
            )
    except WebPushException as error:
        status = error.status_code
        if status is None:
            return Outcome(False, error=str(error.message)[:ERROR_LENGTH], final=True)  # the subscription's keys
        detail = f"HTTP {status}"
        if status in GONE:
            return Outcome(False, status, detail, gone=True)
        if status in FINAL:
            return Outcome(False, status, detail, final=True)
        return Outcome(False, status, detail, retry_after=parse_retry_after(error.retry_after))
    except (requests.RequestException, OSError) as error:
        return Outcome(False, error=f"{type(error).__name__}: {error}"[:ERROR_LENGTH])
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    # A 3xx: pywebpush raises above 202 only; redirects are not followed.
    return Outcome(False, response.status_code, f"HTTP {response.status_code}", final=300 <= response.status_code < 400)


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        moment = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, moment.timestamp() - time.time()) if moment else None
