"""Telling the other side: the customer by mail (outbox), the owning employee in their tasks.

Both are called inside a service's transaction: the mail is stored in the outbox with the
change (and sent after commit); the live nudge to the employee's open portal tabs goes after
commit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import reverse

from rapport.quotes.models import Quote, QuoteVersion

log = logging.getLogger(__name__)


def tell_customer(*, quote: Quote, version: QuoteVersion, event: str, actor: Any) -> None:
    """Queue the transactional "your quote …" mail (skipped, not failed, when the customer
    cannot be written to — no email on record, an opt-out: the timeline has it anyway)."""
    from rapport.customers.models import Purpose
    from rapport.messaging.rendering import absolute
    from rapport.messaging.services import MessageRefused, queue_message

    try:
        queue_message(
            customer=quote.customer,
            template="quote_update",
            context={
                "quote_number": quote.number,
                "event": event,
                "version": version.number,
                "total": version.total,
                "valid_until": version.valid_until,
                "note": version.note,
                "url": absolute(
                    reverse("storefront:quote_detail", kwargs={"public_id": quote.public_id})
                ),
            },
            purpose=Purpose.TRANSACTIONAL,
            actor=actor,
        )
    except MessageRefused as exc:
        log.info("No %s mail for quote %s: %s", event, quote.number, exc)


def tell_owner(*, quote: Quote) -> None:
    """The customer answered: the quote shows in the owner's tasks (`needs_staff_attention`,
    read by `rapport.workspace.queries.day_tasks`); their open portal tabs refresh the count."""
    from rapport.chat import live

    live.publish(live.user_group(quote.owner_id), {"type": "tasks"})
