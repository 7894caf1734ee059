"""What recipients do with our mail: open, click, unsubscribe. Each lands on the timeline."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.core.models import AuditEntry
from rapport.customers.models import Purpose
from rapport.messaging import tokens
from rapport.messaging.models import Message


class TrackingError(Exception):
    """A tracking or unsubscribe link that is forged, damaged or points nowhere we sent."""


def _message(public_id: str | None) -> Message:
    if public_id is None:
        raise TrackingError("Bad token.")
    message = (
        Message.objects.select_related("customer", "contact_point")
        .filter(public_id=public_id)
        .first()
    )
    if message is None:
        raise TrackingError("No such message.")
    return message


def message_for_unsubscribe(token: str) -> Message:
    """The message an unsubscribe token belongs to (TrackingError when forged)."""
    return _message(tokens.read(token, tokens.UNSUBSCRIBE_SALT))


def unsubscribe(*, token: str, source: str, request: Any = None) -> Message:
    """One-click unsubscribe (RFC 8058): withdraw consent for the message's purpose.

    Mail that was transactional cannot be unsubscribed from; its link withdraws marketing.
    Idempotent. Raises TrackingError for a bad token.
    """
    from rapport.customers.services import set_consent

    message = message_for_unsubscribe(token)
    if message.contact_point is None:
        return message
    purpose = message.purpose if message.purpose != Purpose.TRANSACTIONAL else Purpose.MARKETING
    set_consent(
        contact_point=message.contact_point,
        purpose=purpose,
        granted=False,
        actor=None,
        source=source,
    )
    return message


def record_open(*, token: str) -> None:
    """The open pixel was fetched: first open goes on the timeline, unless tracking is refused."""
    message = _message(tokens.read(token, tokens.OPEN_SALT))
    if (
        message.customer is None
        or not message.customer.allow_tracking
        or message.opened_at is not None
    ):
        return
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
        if updated:
            audit.record(
                action="message.opened",
                target=message,
                customer=message.customer,
                summary=f"Opened “{message.subject}”",
            )


def record_click(*, token: str) -> str:
    """A tracked link was followed: returns the URL we put in the message (TrackingError else).

    Only URLs inside a token we signed are ever returned, so this is no open redirect. Each
    distinct link goes on the timeline once; nothing is recorded if tracking is refused.
    """
    payload = tokens.read_click(token)
    if payload is None:
        raise TrackingError("Bad token.")
    public_id, url = payload
    if urlsplit(url).scheme not in ("http", "https"):
        raise TrackingError("Not a web link.")
    message = _message(public_id)
    if message.customer is None or not message.customer.allow_tracking:
        return url
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, clicked_at__isnull=True).update(
            clicked_at=timezone.now()
        )
        seen = AuditEntry.objects.filter(
            action="message.clicked", object_id=str(message.pk), data__url=url
        ).exists()
        if not seen:
            audit.record(
                action="message.clicked",
                target=message,
                customer=message.customer,
                summary=f"Clicked a link in “{message.subject}”",
                data={"url": url},
            )
    return url
