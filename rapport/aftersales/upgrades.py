"""Upgrade notices: tell every past buyer of a product's earlier version, exactly once.

Purpose: **marketing** — an upgrade offer is not about an order in progress, so it honours
marketing opt-outs, quiet hours and the weekly contact budget (over budget it is held, not lost).
Exactly-once: each buyer's delivery row (unique per notice and customer) is written in the same
transaction as the outbox message, so a crash half-way leaves either both or neither, and a
rerun skips everyone already done.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import UpgradeDelivery, UpgradeNotice
from rapport.catalog.models import Product
from rapport.core import audit
from rapport.customers.models import Customer, Purpose
from rapport.orders.models import OrderKind, OrderLine, OrderStatus


def create_notice(
    *, product: Product, title: str, body: str, actor: Any, new_product: Product | None = None
) -> UpgradeNotice:
    """Staff draft a notice about `product` (optionally pointing to its new version)."""
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise AftersalesError(_("A notice needs a title and upgrade instructions."))
    with transaction.atomic():
        notice = UpgradeNotice.objects.create(
            product=product, new_product=new_product, title=title[:200], body=body
        )
        audit.record(action="upgrade.created", actor=actor, target=notice, summary=notice.title)
        return notice


def publish_notice(*, notice: UpgradeNotice, actor: Any) -> UpgradeNotice:
    """Publish (once) and start the batched send after commit; publishing again only restarts
    the idempotent send."""
    from rapport.aftersales.tasks import send_upgrade_notice_task

    with transaction.atomic():
        locked = UpgradeNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.published_at is None:
            locked.published_at = timezone.now()
            locked.save(update_fields=["published_at", "updated_at"])
            audit.record(
                action="upgrade.published", actor=actor, target=locked, summary=locked.title
            )
        transaction.on_commit(lambda: send_upgrade_notice_task.delay(locked.pk))
        return locked


def past_buyers(notice: UpgradeNotice) -> QuerySet[Customer]:
    """Customers who bought the earlier version (cancelled orders do not count)."""
    bought = (
        OrderLine.objects.filter(product_id=notice.product_id, order__kind=OrderKind.ORDER)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("order__customer_id")
    )
    return Customer.objects.filter(
        pk__in=bought, erased_at__isnull=True, merged_into__isnull=True
    ).order_by("pk")


def pending_buyers(notice: UpgradeNotice) -> QuerySet[Customer]:
    done = UpgradeDelivery.objects.filter(notice=notice).values("customer_id")
    return past_buyers(notice).exclude(pk__in=done)


def _queue(*, notice: UpgradeNotice, customer: Customer) -> Any:
    """The send step (a seam tests use to crash half-way)."""
    from rapport.messaging.services import queue_message

    return queue_message(
        customer=customer,
        template="upgrade_notice",
        context={
            "title": notice.title,
            "body": notice.body,
            "product_name": notice.product.name,
            "new_product_name": notice.new_product.name if notice.new_product else "",
        },
        purpose=Purpose.MARKETING,
    )


def deliver_to(*, notice: UpgradeNotice, customer: Customer) -> UpgradeDelivery | None:
    """One buyer's copy: the delivery row, the outbox message and the timeline entry in one
    transaction. Returns None when someone else already did it."""
    from rapport.messaging.services import MessageRefused

    try:
        with transaction.atomic():
            delivery = UpgradeDelivery.objects.create(notice=notice, customer=customer)
            try:
                with transaction.atomic():
                    delivery.message = _queue(notice=notice, customer=customer)
            except MessageRefused as exc:
                delivery.skipped_reason = str(exc)[:200]
            delivery.save(update_fields=["message", "skipped_reason"])
            audit.record(
                action="upgrade.sent" if delivery.message else "upgrade.skipped",
                target=notice,
                customer=customer,
                summary=f"Upgrade notice “{notice.title}”"
                + (f" not sent: {delivery.skipped_reason}" if delivery.skipped_reason else " sent"),
            )
            return delivery
    except IntegrityError:
        return None


def send_batch(*, notice: UpgradeNotice, size: int | None = None) -> int:
    """Deliver to the next `size` buyers not yet done; returns how many were handled."""
    size = size or settings.RAPPORT_UPGRADE_BATCH_SIZE
    handled = 0
    for customer in list(pending_buyers(notice)[:size]):
        if deliver_to(notice=notice, customer=customer) is not None:
            handled += 1
    return handled


def send_notice(*, notice: UpgradeNotice, size: int | None = None) -> int:
    """Run batches until every past buyer has their copy; marks the notice finished."""
    if notice.published_at is None:
        raise AftersalesError(_("Publish the notice first."))
    total = 0
    while True:
        handled = send_batch(notice=notice, size=size)
        total += handled
        if handled == 0 and not pending_buyers(notice).exists():
            break
    UpgradeNotice.objects.filter(pk=notice.pk, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    return total
