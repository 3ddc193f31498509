"""The server's VAPID key pair (RFC 8292): push services accept a notification only when it is signed with the
private key whose public key the browser subscribed with.

Production sets VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (`manage.py generate_vapid_keys` prints a pair). With DEBUG
on and none set, a pair is generated once and kept in VAPID_KEYS_FILE (a directory that keeps itself out of git),
so that subscriptions survive a restart of `make run`. Changing the pair orphans every subscription: browsers
must subscribe again with the new public key.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class KeyPair:
    public_key: str  # base64url of the uncompressed P-256 point: the browser's applicationServerKey
    private_key: str  # base64url of the 32-byte private scalar


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate() -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return KeyPair(b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big")))


def public_key_of(private_key: str) -> str:
    scalar = int.from_bytes(b64url_decode(private_key), "big")
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def keys() -> KeyPair:
    """The configured pair; in DEBUG without one, the pair kept in VAPID_KEYS_FILE (made on first use)."""
    if settings.VAPID_PRIVATE_KEY:
        return _configured(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)
    if not settings.DEBUG:
        raise ImproperlyConfigured("Set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (manage.py generate_vapid_keys).")
    return _kept(settings.VAPID_KEYS_FILE)


@functools.cache
def _configured(private_key: str, public_key: str) -> KeyPair:
    public = public_key or public_key_of(private_key)
    if public != public_key_of(private_key):
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY.")
    return KeyPair(public, private_key)


@functools.cache
def _kept(path) -> KeyPair:
    try:
        kept = json.loads(path.read_text())
        return KeyPair(kept["public_key"], kept["private_key"])
    except (OSError, ValueError, KeyError):
        pass
    pair = generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    # Written aside, then linked in place only if no other process (the server, the worker) made one meanwhile:
    # two pairs would leave the worker signing with a key no browser subscribed with.
    aside = path.with_name(f"{path.name}.{os.getpid()}")
    aside.write_text(json.dumps({"public_key": pair.public_key, "private_key": pair.private_key}))
    aside.chmod(0o600)
    try:
        os.link(aside, path)
    except FileExistsError:
        kept = json.loads(path.read_text())
        pair = KeyPair(kept["public_key"], kept["private_key"])
    finally:
        aside.unlink()
    return pair


def configured() -> bool:
    """Whether Web Push can be offered: a pair is set, or DEBUG makes one."""
    return bool(settings.VAPID_PRIVATE_KEY) or settings.DEBUG
