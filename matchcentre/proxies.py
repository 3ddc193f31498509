"""The client's address, decided in one place for every request and socket.

A connection's peer is the client, unless the peer is one of the proxies we deploy (TRUSTED_PROXIES:
addresses or networks, empty by default). Then the client is read from X-Forwarded-For, walking from the
right, where our own proxies wrote, past every trusted hop: the first entry that is not ours is the
client. Entries to the left of it were written by whoever connected to our proxies, so they are never
read. An entry that is not an IP address ends the walk, and the last trusted hop (at first the peer)
is taken instead.

`TrustedProxies` puts that address in the ASGI scope's "client", from which Django builds REMOTE_ADDR
and the websocket consumers count sockets per address; django-axes (`remote_addr` below) and
django-ninja's throttles (NINJA_NUM_PROXIES = 0) read REMOTE_ADDR and nothing else. Daphne runs
without --proxy-headers, which would take the header's first, client-written entry from anyone.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_FOR = b"x-forwarded-for"
FORWARDED_PROTO = b"x-forwarded-proto"
# What a trusted proxy's X-Forwarded-Proto may make of the scope's scheme, per kind of connection.
SCHEMES = {"http": {"http": "http", "https": "https"}, "websocket": {"http": "ws", "https": "wss"}}


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks, comma-separated or as a list; a bad one is a configuration error."""
    items = value.split(",") if isinstance(value, str) else value
    networks = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {item!r} is not an IP address or network") from error
    return tuple(networks)


MAX_ADDRESS_LENGTH = 64  # an IPv6 address with an IPv4 tail and a zone is under this


def parse_address(text: str) -> IPAddress | None:
    """The IP address `text` names, or None. An IPv4 peer seen through a dual-stack socket
    (::ffff:192.0.2.1) is that IPv4 address."""
    text = text.strip()
    # The same few addresses (the proxy's, a carrier's) open thousands of connections: each is parsed once.
    # Only what could be an address is kept: a header's junk would fill the cache with long strings.
    return parsed_address(text) if len(text) <= MAX_ADDRESS_LENGTH else None


@functools.lru_cache(maxsize=4096)
def parsed_address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: IPAddress, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)


def forwarded_client(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str | None:
    """The client's address as the trusted proxies in front of `peer` tell it, or None when the peer
    itself is the client (it is not a trusted proxy, or it names no one else)."""
    hop = parse_address(peer)
    if hop is None or not forwarded_for or not is_trusted(hop, trusted):
        return None
    for entry in reversed(forwarded_for.split(",")):
        address = parse_address(entry)
        if address is None:
            break  # not an address: nothing to its left can be placed, so stop at the hop that wrote it
        hop = address
        if not is_trusted(address, trusted):
            break  # the first hop that is not ours: the client
    return None if hop == parse_address(peer) else str(hop)


def header(scope, name: bytes) -> str | None:
    """A request header's value, its repeated lines joined with commas (as HTTP reads them)."""
    values = [value.decode("latin-1") for key, value in scope.get("headers") or () if key.lower() == name]
    return ",".join(values) if values else None


class TrustedProxies:
    """ASGI middleware: the scope's "client" (and scheme) from the proxies we trust, for HTTP and websockets.

    Only the scope changes; `receive` and `send` go through untouched (live/daphne.py's frame writer
    unwraps `send`)."""

    def __init__(self, app, trusted_proxies: str | Iterable[str] | None = None):
        if trusted_proxies is None:
            from django.conf import settings

            trusted_proxies = settings.TRUSTED_PROXIES
        self.app = app
        self.trusted = parse_networks(trusted_proxies)

    async def __call__(self, scope, receive, send):
        if self.trusted and scope["type"] in SCHEMES:
            scope = self.resolve(scope)
        return await self.app(scope, receive, send)

    def resolve(self, scope):
        peer = scope.get("client")
        if not peer:
            return scope
        peer_address = parse_address(str(peer[0]))
        if peer_address is None or not is_trusted(peer_address, self.trusted):
            return scope
        scope = dict(scope)
        client = forwarded_client(str(peer[0]), header(scope, FORWARDED_FOR), self.trusted)
        if client is not None:
            scope["client"] = [client, 0]
        proto = (header(scope, FORWARDED_PROTO) or "").strip().lower()
        scheme = SCHEMES[scope["type"]].get(proto)
        if scheme:
            scope["scheme"] = scheme
        return scope


def remote_addr(request) -> str | None:
    """django-axes' client address (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR, which TrustedProxies decided;
    never a header, whatever django-ipware would make of one if it were installed."""
    return request.META.get("REMOTE_ADDR") or None
