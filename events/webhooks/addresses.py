"""Which webhook URLs the server may call: http or https, on public addresses only.

A webhook URL is an address the server connects to from inside its own network: pointed at 127.0.0.1, a
private range or a cloud's metadata address, it would POST to services never meant to be reachable from
outside (server-side request forgery). So a URL whose host resolves to any such address is refused, when the
admin saves it and again before each attempt (the name may resolve elsewhere by then), unless
WEBHOOK_ALLOW_PRIVATE_HOSTS says so (development and tests, whose receivers run on this machine).
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings

SCHEMES = ("http", "https")


class RefusedURL(ValueError):
    """A URL the server will not call; the message says why, for the admin's form."""


def check_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise RefusedURL unless `url` is http(s) and, unless `allow_private`, every address its host has is public."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_HOSTS if allow_private is None else allow_private
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedURL(f"Not a valid URL: {error}.") from None
    if parts.scheme.lower() not in SCHEMES:
        raise RefusedURL("Only http and https URLs can receive webhooks.")
    if not parts.hostname:
        raise RefusedURL("The URL has no host.")
    if parts.username or parts.password:
        # They would end up in logs and error messages; the signature authenticates the sender instead.
        raise RefusedURL("Leave credentials out of the URL: receivers verify the signature instead.")
    if allow_private:
        return
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedURL(f"{parts.hostname} does not resolve to an address.") from None
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not is_public(address):
            raise RefusedURL(f"{parts.hostname} resolves to {address}, which is not a public address.")


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable and unicast: not loopback, private, link-local (cloud metadata), shared or reserved."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast
