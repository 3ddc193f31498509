"""The client's address (matchcentre/proxies.py): from X-Forwarded-For only through the proxies we
trust, walked from the right; on plain ASGI scopes, then as Django, django-axes, django-ninja's
throttles and the websocket cap read it."""

import asyncio
import io

import pytest
from axes.helpers import get_client_ip_address
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIRequest
from ninja.throttling import AnonRateThrottle

from live.consumers import client_address
from matchcentre.proxies import TrustedProxies, forwarded_client, parse_networks

NGINX = "127.0.0.1"
CLIENT = "198.51.100.23"
FORGED = "203.0.113.7"


def scope(peer=(NGINX, 40000), forwarded_for=None, kind="http", **extra) -> dict:
    values = [forwarded_for] if isinstance(forwarded_for, str) else forwarded_for or []
    headers = [(b"host", b"matchcentre.example"), *((b"x-forwarded-for", v.encode("latin-1")) for v in values)]
    headers += [(name.replace("_", "-").encode(), value.encode()) for name, value in extra.items()]
    return {"type": kind, "method": "GET", "path": "/", "headers": headers, "client": list(peer) if peer else None}


def seen_by_app(incoming: dict, trusted) -> dict:
    """The scope the application behind TrustedProxies(trusted) gets for `incoming`."""
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)

    asyncio.run(TrustedProxies(app, trusted)(incoming, None, None))
    return seen


def client_of(incoming: dict, trusted="127.0.0.1") -> list | None:
    return seen_by_app(incoming, trusted)["client"]


def test_with_no_trusted_proxy_the_header_is_ignored():
    assert client_of(scope(forwarded_for=FORGED), trusted="") == [NGINX, 40000]
    assert client_of(scope(peer=(CLIENT, 5000), forwarded_for=FORGED), trusted="") == [CLIENT, 5000]


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_forwards():
    assert client_of(scope(peer=(CLIENT, 5000), forwarded_for=FORGED)) == [CLIENT, 5000]
    assert client_of(scope(peer=("10.0.0.9", 5000), forwarded_for=f"{FORGED}, 10.0.0.8"), "10.0.0.8") == [
        "10.0.0.9",
        5000,
    ]


def test_through_a_trusted_proxy_the_client_is_the_rightmost_entry():
    assert client_of(scope(forwarded_for=CLIENT)) == [CLIENT, 0]


def test_entries_a_client_forged_to_the_left_are_never_read():
    # nginx appending ($proxy_add_x_forwarded_for) to what the client sent: only its own entry counts.
    assert client_of(scope(forwarded_for=f"{FORGED}, 192.0.2.1, {CLIENT}")) == [CLIENT, 0]
    # A client that forges an entry naming a trusted proxy gets nowhere either: its own address stops the walk.
    assert client_of(scope(forwarded_for=f"{FORGED}, {NGINX}, {CLIENT}")) == [CLIENT, 0]


def test_several_trusted_hops_are_walked_past():
    trusted = "127.0.0.1, 10.1.0.0/16, 192.0.2.10"
    chain = f"{FORGED}, {CLIENT}, 192.0.2.10, 10.1.4.2"  # client ─► balancer 192.0.2.10 ─► 10.1.4.2 ─► nginx
    assert client_of(scope(forwarded_for=chain), trusted) == [CLIENT, 0]
    # With the balancer not trusted, it is the client as far as we can tell.
    assert client_of(scope(forwarded_for=chain), "127.0.0.1, 10.1.0.0/16") == ["192.0.2.10", 0]


def test_when_every_entry_is_a_trusted_proxy_the_farthest_one_is_the_client():
    assert client_of(scope(forwarded_for="10.1.0.5, 127.0.0.1"), "127.0.0.1, 10.1.0.0/16") == ["10.1.0.5", 0]
    # nginx forwarding a client on its own machine: the peer, port and all.
    assert client_of(scope(forwarded_for=NGINX)) == [NGINX, 40000]


@pytest.mark.parametrize("garbage", ["not-an-ip", "", " ", "unknown", "1.2.3.4:80", "999.1.1.1", "<script>"])
def test_an_entry_that_is_not_an_address_ends_the_walk_at_the_last_trusted_hop(garbage):
    assert client_of(scope(forwarded_for=garbage)) == [NGINX, 40000]
    assert client_of(scope(forwarded_for=f"{CLIENT}, {garbage}")) == [NGINX, 40000]
    trusted = "127.0.0.1, 10.1.0.0/16"
    assert client_of(scope(forwarded_for=f"{CLIENT}, {garbage}, 10.1.0.5"), trusted) == ["10.1.0.5", 0]
    # Beyond the client it is never read.
    assert client_of(scope(forwarded_for=f"{garbage}, {CLIENT}")) == [CLIENT, 0]


def test_ipv6_peers_clients_and_networks():
    assert client_of(scope(peer=("::1", 40000), forwarded_for="2001:db8::7"), "::1") == ["2001:db8::7", 0]
    assert client_of(scope(forwarded_for=f"2001:db8::7, {CLIENT}")) == [CLIENT, 0]
    # Written differently, an address is still one address: the websocket cap counts it once.
    assert client_of(scope(forwarded_for="2001:DB8:0:0::7")) == ["2001:db8::7", 0]
    assert client_of(scope(peer=("fd00::2", 1), forwarded_for="2001:db8::7, fd00::1"), "fd00::/8") == [
        "2001:db8::7",
        0,
    ]
    # An IPv4 proxy seen through a dual-stack socket is that IPv4 proxy.
    assert client_of(scope(peer=("::ffff:127.0.0.1", 40000), forwarded_for=CLIENT)) == [CLIENT, 0]
    assert client_of(scope(peer=("::1", 40000), forwarded_for=CLIENT)) == ["::1", 40000]  # ::1 not trusted


def test_cidr_networks_are_trusted_and_nothing_beyond_them():
    trusted = "10.0.0.0/8"
    assert client_of(scope(peer=("10.200.3.4", 1), forwarded_for=CLIENT), trusted) == [CLIENT, 0]
    assert client_of(scope(peer=("11.0.0.1", 1), forwarded_for=CLIENT), trusted) == ["11.0.0.1", 1]
    assert parse_networks(["10.1.2.3/8", " 127.0.0.1 ", ""]) == parse_networks("10.0.0.0/8,127.0.0.1/32")
    with pytest.raises(ImproperlyConfigured, match=r"nginx\.internal"):
        parse_networks("127.0.0.1, nginx.internal")


def test_repeated_header_lines_read_as_one_list():
    assert client_of(scope(forwarded_for=[FORGED, CLIENT])) == [CLIENT, 0]
    assert forwarded_client(NGINX, None, parse_networks(NGINX)) is None


def test_websockets_get_the_same_address():
    assert client_of(scope(kind="websocket", forwarded_for=f"{FORGED}, {CLIENT}")) == [CLIENT, 0]
    assert client_of(scope(kind="websocket", forwarded_for=FORGED), trusted="") == [NGINX, 40000]


def test_the_scheme_comes_from_a_trusted_proxy_only():
    assert seen_by_app(scope(x_forwarded_proto="https"), NGINX)["scheme"] == "https"
    assert seen_by_app(scope(kind="websocket", x_forwarded_proto="https"), NGINX)["scheme"] == "wss"
    assert "scheme" not in seen_by_app(scope(peer=(CLIENT, 1), x_forwarded_proto="https"), NGINX)
    assert "scheme" not in seen_by_app(scope(x_forwarded_proto="gopher"), NGINX)


def test_scopes_without_a_peer_or_of_other_kinds_pass_untouched():
    unix_socket = scope(peer=None, forwarded_for=FORGED)
    assert seen_by_app(unix_socket, NGINX) == unix_socket
    lifespan = {"type": "lifespan"}
    assert seen_by_app(lifespan, NGINX) == lifespan


def test_receive_and_send_reach_the_application_untouched():
    """live/daphne.py's frame writer unwraps the `send` Daphne gave: a wrapper would hide it."""
    got = []

    async def app(scope, receive, send):
        got.extend([receive, send])

    receive, send = object(), object()
    asyncio.run(TrustedProxies(app, NGINX)(scope(forwarded_for=CLIENT), receive, send))
    assert got[0] is receive and got[1] is send


def test_django_axes_ninja_and_the_socket_cap_all_read_the_address_the_middleware_decided(settings):
    """REMOTE_ADDR is built from scope["client"]; axes and the API's throttles read it, never the
    header, which still says what the client forged."""
    assert settings.NINJA_NUM_PROXIES == 0
    decided = seen_by_app(scope(forwarded_for=f"{FORGED}, {CLIENT}"), NGINX)
    request = ASGIRequest(decided, io.BytesIO())
    assert request.META["HTTP_X_FORWARDED_FOR"] == f"{FORGED}, {CLIENT}"
    assert request.META["REMOTE_ADDR"] == CLIENT
    assert get_client_ip_address(request) == CLIENT
    assert AnonRateThrottle("10/min").get_ident(request) == CLIENT
    assert client_address(decided) == CLIENT
    # No proxy trusted: the peer for everyone, whatever the header says.
    direct = ASGIRequest(seen_by_app(scope(peer=(CLIENT, 1), forwarded_for=FORGED), ""), io.BytesIO())
    assert get_client_ip_address(direct) == AnonRateThrottle("10/min").get_ident(direct) == CLIENT


def test_the_served_application_uses_the_settings_list(settings):
    from matchcentre.asgi import application

    assert isinstance(application, TrustedProxies)
    assert application.trusted == parse_networks(settings.TRUSTED_PROXIES)
