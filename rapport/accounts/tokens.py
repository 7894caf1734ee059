"""Signed, expiring links for email verification and email change (no table needed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing

VERIFY_SALT = "rapport.accounts.verify-email"
CHANGE_SALT = "rapport.accounts.change-email"


class BadLink(Exception):
    """The link is forged, altered or too old."""


def make_verify_token(user: Any) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT, compress=True)


def make_change_token(user: Any, new_email: str) -> str:
    return signing.dumps(
        {"u": user.pk, "old": user.email, "new": new_email}, salt=CHANGE_SALT, compress=True
    )


def read(token: str, *, salt: str) -> dict[str, Any]:
    try:
        value = signing.loads(token, salt=salt, max_age=settings.RAPPORT_EMAIL_LINK_MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature too
        raise BadLink(str(exc)) from exc
    if not isinstance(value, dict):
        raise BadLink("bad payload")
    return value
