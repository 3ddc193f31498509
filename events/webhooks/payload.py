"""What a delivery carries: the change as the API's change log lists it, with its competition and group.

Built once per change, in the transaction that makes it (so it describes exactly the committed state), and
stored with each of its deliveries: a retry sends the same facts, whatever happened to the match since.
"""

from __future__ import annotations

import json

from django.utils import timezone

from live import messages

from ..models import Change, Match, Webhook

# Bumped when a field changes meaning or goes; new fields may appear without it.
PAYLOAD_VERSION = 1


def change_payload(change: Change, match: Match) -> dict:
    """The change as GET /api/matches/{id}/changes lists it (docs/api.md), with where the match is played."""
    message = messages.change_message(change)
    return {
        "type": message.pop("type"),
        "version": PAYLOAD_VERSION,
        "competition_id": match.competition_id,
        "group_id": match.group_id,
        **message,
    }


def test_payload(webhook: Webhook) -> dict:
    """A test delivery's: no change, no match; what a receiver can check its signature and answer with."""
    return {"type": "test", "version": PAYLOAD_VERSION, "webhook_id": webhook.pk, "at": timezone.now().isoformat()}


def body(payload: dict) -> bytes:
    """The bytes sent, and signed."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
