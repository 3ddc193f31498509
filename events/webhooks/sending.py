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


# Straight to the receiver: no proxy from the environment, no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST `body` to `url`; any 2xx is delivered, anything else (a 3xx included) is an error to retry."""
    try:
        addresses.check_url(url)
    except addresses.RefusedURL as refused:
        return Outcome(False, error=f"Refused: {refused}"[:ERROR_LENGTH], final=True)
    request = urllib.request.Request(url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
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
