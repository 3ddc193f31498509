"""Which webhook URLs the server may call: http or https, on public addresses only.

A webhook URL is an address the server connects to from inside its own network: pointed at 127.0.0.1, a
private range or a cloud's metadata address, it would POST to services never meant to be reachable from
outside (server-side request forgery). So a URL whose host resolves to any such address is refused, when the
admin saves it and again before each attempt (the name may resolve elsewhere by then), unless
WEBHOOK_ALLOW_PRIVATE_HOSTS says so (development and tests, whose receivers run on this machine).

An attempt connects to the addresses that were checked, not to the name: resolved again at connect time, a
name whose answers live for no time at all could pass the check with a public address and then point the
connection at 127.0.0.1 (DNS rebinding). `resolve` gives the checked addresses, `sending` connects to them.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings

SCHEMES = ("http", "https")


class RefusedURL(ValueError):
    """A URL the server will not call; the message says why, for the admin's form."""


class Unresolved(RefusedURL):
    """The host has no address now: refused for the form, but at send time worth another try later (a
    resolver's outage passes)."""


def check_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise RefusedURL unless `url` is http(s) and, unless `allow_private`, every address its host has is public."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_HOSTS if allow_private is None else allow_private
    if allow_private:
        parse(url)
    else:
        resolve(url, allow_private=False)


def resolve(url: str, *, allow_private: bool | None = None) -> list[tuple]:
    """The addresses to connect to for `url`: getaddrinfo's socket family and address (the port included) for
    each, every one of them checked as check_url says. Raises RefusedURL as check_url does, and when the host
    does not resolve."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_HOSTS if allow_private is None else allow_private
    parts, port = parse(url)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Unresolved(f"{parts.hostname} does not resolve to an address.") from None
    if not allow_private:
        for *_rest, sockaddr in found:
            address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            if not is_public(address):
                raise RefusedURL(f"{parts.hostname} resolves to {address}, which is not a public address.")
    return [(family, sockaddr) for family, _type, _proto, _name, sockaddr in found]


def connect_to(checked: list[tuple], timeout=None, source_address=None, socket_options=()) -> socket.socket:
    """A connection to the first of `resolve`'s addresses that answers, as socket.create_connection tries a name's
    addresses in turn, without asking the resolver again. `timeout` None waits; anything not a number (the HTTP
    libraries' "default" markers) leaves the socket's default."""
    last_error: OSError | None = None
    for family, sockaddr in checked:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is None or isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    raise last_error or OSError("No address to connect to.")


def parse(url: str) -> tuple[urllib.parse.SplitResult, int]:
    """The URL's parts and port, or RefusedURL for what no check of its addresses could make callable."""
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
    return parts, port or (443 if parts.scheme.lower() == "https" else 80)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable and unicast: not loopback, private, link-local (cloud metadata), shared or reserved."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast
