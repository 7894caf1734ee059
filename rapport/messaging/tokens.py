"""Signed tokens in mail links: unsubscribe, open pixel, click redirect.

Signing is what stops the click endpoint from being an open redirect: it only follows URLs
that we put into a message ourselves.
"""

from __future__ import annotations

from typing import Any

from django.core import signing

UNSUBSCRIBE_SALT = "rapport.messaging.unsubscribe"
OPEN_SALT = "rapport.messaging.open"
CLICK_SALT = "rapport.messaging.click"


def make(public_id: Any, salt: str) -> str:
    return signing.Signer(salt=salt).sign(str(public_id))


def read(token: str, salt: str) -> str | None:
    """The message public id in a token, or None when the token is forged or damaged."""
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None


def make_click(public_id: Any, url: str) -> str:
    return signing.dumps({"m": str(public_id), "u": url}, salt=CLICK_SALT, compress=True)


def read_click(token: str) -> tuple[str, str] | None:
    try:
        payload = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or "m" not in payload or "u" not in payload:
        return None
    return str(payload["m"]), str(payload["u"])
