"""Cancellation counts per product and per country, recounted by the hourly beat task
`risk.count_cancellations` (and `manage.py count_order_cancellations` after an import) into
`CancellationCount`, so scoring an order at checkout reads the basket's rows by key instead of
counting millions of order lines (docs/order-risk.md). Counts are therefore up to an hour old,
as the per-product cache they replace was."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus
from rapport.risk.models import CancellationCount
from rapport.risk.store import forget_country_counts

CANCELLED = Q(kind=OrderKind.CREDIT_NOTE) | Q(status=OrderStatus.CANCELLED)
Kind = CancellationCount.Kind


def count_cancellations() -> int:
    """Recount every product and country in one pass each and replace the rows; returns how
    many rows were written."""
    now = timezone.now()
    rows = [
        CancellationCount(
            kind=Kind.PRODUCT,
            key=r["sku"],
            sold=r["sold"],
            cancelled=r["cancelled"],
            counted_at=now,
        )
        for r in OrderLine.objects.filter(kind=LineKind.PRODUCT)
        .values("sku")
        .annotate(
            sold=Count("pk", filter=Q(order__kind=OrderKind.ORDER)),
            cancelled=Count(
                "pk",
                filter=Q(order__kind=OrderKind.CREDIT_NOTE)
                | Q(order__status=OrderStatus.CANCELLED),
            ),
        )
        .order_by()
    ]
    rows += [
        CancellationCount(
            kind=Kind.COUNTRY,
            key=r["country"],
            sold=r["orders"],
            cancelled=r["cancelled"],
            counted_at=now,
        )
        for r in Order.objects.order_by()
        .values("country")
        .annotate(
            orders=Count("pk", filter=Q(kind=OrderKind.ORDER)),
            cancelled=Count("pk", filter=CANCELLED),
        )
    ]
    with transaction.atomic():
        CancellationCount.objects.all().delete()
        CancellationCount.objects.bulk_create(rows, batch_size=5000)
    forget_country_counts()
    return len(rows)
