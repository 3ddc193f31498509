"""API tokens: created once and shown once, stored hashed, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from ..models import ApiToken

# "Last used" is kept to the minute: writing it on every request would add a database write to each
# of an editor's submissions.
LAST_USED_PRECISION = timedelta(minutes=1)


def create_api_token(*, user, name: str = "") -> str:
    """Create a bearer token for `user` and return it; only its hash is kept."""
    raw_token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw_token[:8], token_hash=ApiToken.hash(raw_token))
    return raw_token


def revoke_api_token(*, token_id: int) -> None:
    ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_api_token(*, raw_token: str):
    """The active user a bearer token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
