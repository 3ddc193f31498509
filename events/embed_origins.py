"""What a publisher's origin may look like, for a Content-Security-Policy frame-ancestors source (CSP Level 3,
"host-source"): a scheme, a host or `*.` and a domain, and a port when it is not the scheme's default. Nothing
that would widen it past one site: no path, no bare `*`, no scheme alone, no credentials, query or fragment."""

import re

from django.core.exceptions import ValidationError

SCHEMES = {"http": 80, "https": 443}
# A DNS label: letters, digits and inner hyphens, 1-63 characters.
LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOST = re.compile(rf"^(?:\*\.)?{LABEL}(?:\.{LABEL})*$")
IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def normalize_origin(value: str) -> str:
    """The origin in its canonical form (lower case, no trailing slash, no default port), or ValidationError
    naming the `origin` field."""
    text = (value or "").strip().lower().removesuffix("/")
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in SCHEMES:
        raise _invalid("Start with https:// (or http://).")
    if not rest or any(ch in rest for ch in "/?#@ \\"):
        raise _invalid("Only a scheme and a host, with a port if needed: no path, query or credentials.")
    host, colon, port = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if colon:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise _invalid("The port must be a number from 1 to 65535.")
        if int(port) == SCHEMES[scheme]:
            colon, port = "", ""
    if host.startswith("*.") and IPV4.match(host[2:]):
        raise _invalid("A wildcard needs a domain name, not an address.")
    if IPV4.match(host):
        if any(int(part) > 255 for part in host.split(".")):
            raise _invalid("Not a valid IPv4 address.")
    elif not HOST.match(host) or ("*" in host and host.count(".") < 2):
        # `*.example` alone would cover a whole top-level domain's worth of unrelated sites.
        raise _invalid("A host name like news.example, or *.news.example for its subdomains.")
    return f"{scheme}://{host}{colon}{port}"


def _invalid(message: str) -> ValidationError:
    return ValidationError({"origin": message}, code="invalid_origin")
