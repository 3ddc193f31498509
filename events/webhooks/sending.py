"""One attempt: the signed POST to a webhook's URL, and what came of it."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass

from . import addresses

USER_AGENT = "Matchcentre-Webhooks/1"
# What is kept of an error for the delivery log.
ERROR_LENGTH = 300


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str = ""
    # Nothing a retry could change (a URL now refused): the delivery fails at once.
    final: bool = False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it would POST the change (and its signature)
    wherever the receiver says, past the address checks."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _ToCheckedAddresses:
    """A urllib handler whose connections go to the checked addresses. The URL's host still names the receiver:
    in the Host header and, for https, in TLS (SNI, and the certificate verified against it)."""

    def __init__(self, checked: list[tuple], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked = checked

    def do_open(self, http_class, req, **kwargs):
        checked = self.checked

        def connect(_address, timeout, source_address=None):
            return addresses.connect_to(checked, timeout, source_address)

        def connection(host, **options):
            made = http_class(host, **options)
            made._create_connection = connect
            return made

        return super().do_open(connection, req, **kwargs)


# Subclasses of urllib's own, which build_opener then leaves out: no way to the receiver but these.
class _CheckedHTTPHandler(_ToCheckedAddresses, urllib.request.HTTPHandler):
    pass


class _CheckedHTTPSHandler(_ToCheckedAddresses, urllib.request.HTTPSHandler):
    pass


def opener(checked: list[tuple]) -> urllib.request.OpenerDirector:
    """Straight to the checked addresses: no proxy from the environment, no redirects."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirects(), _CheckedHTTPHandler(checked), _CheckedHTTPSHandler(checked)
    )


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST `body` to `url`; any 2xx is delivered, anything else (a 3xx included) is an error to retry."""
    try:
        checked = addresses.resolve(url)
    except addresses.Unresolved as unresolved:
        return Outcome(False, error=f"{unresolved}"[:ERROR_LENGTH])
    except addresses.RefusedURL as refused:
        return Outcome(False, error=f"Refused: {refused}"[:ERROR_LENGTH], final=True)
    request = urllib.request.Request(url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers})
    try:
        with opener(checked).open(request, timeout=timeout) as response:
            status = response.status
            response.read(1024)  # let the receiver finish its answer; what it says is not ours to keep
    except urllib.error.HTTPError as error:
        error.close()
        return Outcome(False, error.code, f"HTTP {error.code} {error.reason}"[:ERROR_LENGTH])
    except TimeoutError:
        return Outcome(False, error=f"No answer within {timeout:g} s")
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", None) or error
        return Outcome(False, error=f"{type(reason).__name__}: {reason}"[:ERROR_LENGTH])
    if 200 <= status < 300:
        return Outcome(True, status)
    return Outcome(False, status, f"HTTP {status}")
