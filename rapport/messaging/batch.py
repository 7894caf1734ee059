"""`queue_messages`: `queue_message` for many customers at once (campaigns to 100,000 people).

The same rules, in the same order, as `services.queue_message` (see docs/messaging.md): erased,
merged and (for non-transactional mail) retired records are refused, then customers without a
usable email, then those without consent; the weekly contact budget holds or charges each
message under the customer's budget-row lock; quiet hours in the customer's time zone set when
it may leave. What differs is only how: the records, addresses, consents, budget rows (locked
in customer-id order, so two batch senders never deadlock) and last week's counts are read with
one query each for the whole batch, and the messages are written with one bulk insert.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from rapport.core import audit
from rapport.customers.models import (
    Consent,
    ContactKind,
    ContactPoint,
    ContactStatus,
    Customer,
    Purpose,
)
from rapport.messaging import budget, rendering
from rapport.messaging.models import ContactBudget, Message, MessageStatus, Priority
from rapport.messaging.services import MessageRefused, MessagingError, dispatch

log = logging.getLogger(__name__)


def lock_budgets(customer_ids: Sequence[int]) -> None:
    """Lock (creating if needed) the budget rows of these customers, in customer-id order.
    Call inside `transaction.atomic`."""
    ids = sorted(set(customer_ids))
    ContactBudget.objects.bulk_create(
        [ContactBudget(customer_id=pk) for pk in ids], ignore_conflicts=True
    )
    list(
        ContactBudget.objects.select_for_update()
        .filter(customer_id__in=ids)
        .order_by("customer_id")
        .values_list("pk", flat=True)
    )


# Writes one customer's mail instead of rendering `template` with a context: called with the
# customer's fresh row, the message's public id, its Message-ID and the purpose (campaigns fill a
# stencil rendered once, `campaigns.letters`).
Letter = Callable[[Customer, uuid.UUID, str, str], rendering.Rendered]


def queue_messages(
    *,
    items: Sequence[tuple[Customer, dict[str, Any] | Letter]],
    template: str,
    purpose: str,
    priority: int = Priority.NORMAL,
    actor: Any = None,
    budgets_locked: bool = False,
) -> list[Message | MessageRefused]:
    """Queue one message per (customer, context or `Letter`); returns, in the same order, the
    stored message or the `MessageRefused` saying why that customer was not written to.
    Messages due now are dispatched after commit. `budgets_locked`: the caller already holds
    these customers' budget rows (`lock_budgets`, same transaction). Raises MessagingError for
    an unknown template or purpose.
    """
    if purpose not in Purpose.values:
        raise MessagingError(f"Unknown purpose: {purpose}")
    templates = rendering.load_templates(template)
    now = timezone.now()
    marketing = purpose != Purpose.TRANSACTIONAL
    ids = [customer.pk for customer in items_customers(items)]
    results: list[Message | MessageRefused] = []
    with transaction.atomic():
        fresh = Customer.objects.in_bulk(ids)
        points: dict[int, ContactPoint] = {}
        for point in (
            ContactPoint.objects.filter(customer_id__in=ids, kind=ContactKind.EMAIL)
            .exclude(status=ContactStatus.FAILED)
            .order_by("customer_id", "-is_primary", "id")
        ):
            points.setdefault(point.customer_id, point)
        consents = dict(
            Consent.objects.filter(
                contact_point_id__in=[p.pk for p in points.values()], purpose=purpose
            ).values_list("contact_point_id", "granted")
        )
        used: dict[int, int] = {}
        if marketing:
            if not budgets_locked:
                lock_budgets(ids)
            used = dict(
                Message.objects.filter(customer_id__in=ids, charged_at__gt=now - budget.WINDOW)
                .values("customer_id")
                .annotate(n=Count("pk"))
                .values_list("customer_id", "n")
            )
        limit = budget.limit_for(priority)
        to_create: list[Message] = []
        charged: list[int] = []
        for customer, context in items:
            row = fresh.get(customer.pk)
            refusal = _refusal(row, points, consents, purpose, marketing)
            if refusal is not None or row is None:
                results.append(refusal or MessageRefused("The record is gone."))
                continue
            point = points[row.pk]
            public_id = uuid.uuid4()
            message_id = f"<{public_id.hex}@{settings.RAPPORT_BOUNCE_DOMAIN}>"
            if callable(context):
                rendered = context(row, public_id, message_id, purpose)
            else:
                rendered = rendering.render(
                    template=template,
                    context=context,
                    customer=row,
                    public_id=public_id,
                    message_id=message_id,
                    purpose=purpose,
                    templates=templates,
                )
            status, charged_at, due = MessageStatus.QUEUED, None, now
            if marketing:
                if used.get(row.pk, 0) < limit:
                    used[row.pk] = used.get(row.pk, 0) + 1
                    charged_at = now
                    charged.append(row.pk)
                    due = budget.next_allowed_time(row.tzinfo, now)
                else:
                    status = MessageStatus.HELD
            message = Message(
                public_id=public_id,
                customer=row,
                contact_point=point,
                template=template,
                purpose=purpose,
                priority=priority,
                language=rendered.language,
                to_address=point.value,
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                headers=rendered.headers,
                attachments=[],
                message_id=message_id,
                status=status,
                next_attempt_at=due,
                charged_at=charged_at,
                actor_label=str(actor) if actor is not None else "system",
            )
            to_create.append(message)
            results.append(message)
        Message.objects.bulk_create(to_create, batch_size=1000)
        if charged:
            ContactBudget.objects.filter(customer_id__in=charged).update(last_charged_at=now)
        for message in to_create:
            if message.status == MessageStatus.HELD:
                audit.record(
                    action="message.held",
                    actor=actor,
                    target=message,
                    customer=message.customer,
                    summary=f"“{message.subject}” held: weekly contact budget reached",
                    data={"template": template, "purpose": purpose, "priority": priority},
                )
        due_now = [
            m.pk for m in to_create if m.status == MessageStatus.QUEUED and m.next_attempt_at <= now
        ]
        if due_now:
            transaction.on_commit(lambda: _dispatch_all(due_now))
    return results


DISPATCH_CHUNK = 50


def _dispatch_all(pks: list[int]) -> None:
    """Hand the batch's due messages to the workers: with a broker, one send task per
    DISPATCH_CHUNK messages (enqueueing a Celery task costs about as much CPU as rendering the
    mail, so one task a message was a fifth of a campaign's build time); without one, as
    `dispatch` does. Never raises: the outbox rows are the promise, `send_outbox` the net."""
    from rapport.messaging.after_response import is_eager
    from rapport.messaging.tasks import send_messages_task

    if len(pks) == 1 or is_eager():
        for pk in pks:
            dispatch(pk)
        return
    for start in range(0, len(pks), DISPATCH_CHUNK):
        try:
            send_messages_task.delay(pks[start : start + DISPATCH_CHUNK])
        except Exception:  # the broker is down: the periodic `send_outbox` sends them
            log.exception("Could not dispatch %s messages; the outbox will retry them", len(pks))
            return


def items_customers(items: Sequence[tuple[Customer, Any]]) -> list[Customer]:
    return [customer for customer, _context in items]


def _refusal(
    row: Customer | None,
    points: dict[int, ContactPoint],
    consents: dict[int, bool],
    purpose: str,
    marketing: bool,
) -> MessageRefused | None:
    if row is None or row.erased_at is not None or row.merged_into_id is not None:
        return MessageRefused("The record is erased or merged.")
    if marketing and row.retired_at is not None:
        return MessageRefused("The record is retired: no marketing or surveys.")
    point = points.get(row.pk)
    if point is None:
        return MessageRefused("No usable email address.")
    granted = consents.get(point.pk)
    # Transactional mail needs only the absence of an opt-out; the rest needs an opt-in.
    ok = (granted is None or granted) if purpose == Purpose.TRANSACTIONAL else bool(granted)
    if not ok:
        return MessageRefused(f"No consent for {purpose} mail.")
    return None
