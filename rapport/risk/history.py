"""Each customer's order history as scoring reads it, kept in one row (`models.RiskHistory`).

Scoring an order at checkout needs the customer's past: how many orders and cancellations, their
value, the product lines, the dates, the codes of cancelled products (`features.CustomerHistory`).
Counting them from the orders took four queries over all the customer's orders and lines; this
module keeps them in one row per customer instead, read by key:

- `note_order_placed` adds a new sale order to the row, in the transaction that places it (after
  the order was scored, so the score sees the history before it). The row is locked
  (`select_for_update`) for the update, so two orders placed at once by the same customer both
  count;
- `refresh` recounts the rows of some customers from their orders, under the same lock; the
  order lifecycle calls it when an order is cancelled, a merge when it moves orders;
- `refresh_changed`, run by the hourly task, recounts the customers whose orders changed since
  its last run (`Order.updated_at`): whatever wrote them without the services above (imports).
  Its first run counts everybody (the backfill).

A customer without a row yet is counted from the orders (`count_history`), as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus
from rapport.risk.features import CustomerHistory
from rapport.risk.models import RiskHistory, RiskSettings

CANCELLED = Q(kind=OrderKind.CREDIT_NOTE) | Q(status=OrderStatus.CANCELLED)
SALES = Q(kind=OrderKind.ORDER)
# The window of `CustomerHistory.order_dates`, and how many dates / codes a row keeps.
RECENT = timedelta(days=30)
RECENT_MAX = 500
CODES_MAX = 1000
# Recounts per transaction (their rows stay locked meanwhile), and how far before its last start
# the hourly task looks for changed orders (a transaction still open then commits later).
BATCH = 1000
MARGIN = timedelta(minutes=15)
COUNTED = (
    "orders",
    "lines",
    "sold_value",
    "cancellations",
    "cancelled_orders",
    "cancelled_value",
    "first_at",
    "last_order_at",
    "last_cancellation_at",
    "recent_orders",
    "cancelled_codes",
)


def count_history(customer_id: int | None, before: datetime) -> CustomerHistory:
    """The customer's orders and cancellations placed before `before`, counted from the orders
    (four queries; what the row holds, and the reference the tests compare it with)."""
    history = CustomerHistory()
    if customer_id is None:
        return history
    past = Order.objects.filter(customer_id=customer_id, placed_at__lt=before)
    agg = past.aggregate(
        orders=Count("pk", filter=SALES),
        cancellations=Count("pk", filter=CANCELLED),
        cancelled_orders=Count("pk", filter=SALES & Q(status=OrderStatus.CANCELLED)),
        sold=Sum("total", filter=SALES),
        cancelled_value=Sum("total", filter=CANCELLED),
        first=Min("placed_at"),
        last=Max("placed_at", filter=SALES),
        last_cancel=Max("placed_at", filter=CANCELLED),
    )
    history.orders = agg["orders"]
    history.cancellations = agg["cancellations"]
    history.cancelled_orders = agg["cancelled_orders"]
    history.sold_value = float(abs(agg["sold"] or 0))
    history.cancelled_value = float(abs(agg["cancelled_value"] or 0))
    history.first_at = agg["first"]
    history.last_order_at = agg["last"]
    history.last_cancellation_at = agg["last_cancel"]
    recent = list(
        past.filter(SALES, placed_at__gte=before - RECENT)
        .order_by()
        .values_list("placed_at", flat=True)[:RECENT_MAX]
    )
    history.order_dates = recent
    history.recent_days = [d for d in recent if before - d < timedelta(days=1)]
    history.lines = OrderLine.objects.filter(
        order__in=past.filter(SALES), kind=LineKind.PRODUCT
    ).count()
    history.cancelled_codes = set(
        OrderLine.objects.filter(order__in=past.filter(CANCELLED), product__isnull=False)
        .values_list("sku", flat=True)
        .distinct()[:CODES_MAX]
    )
    return history


def history_of(row: RiskHistory, at: datetime) -> CustomerHistory:
    """The history an order placed at `at` sees, from the customer's row."""
    recent = [d for d in map(datetime.fromisoformat, row.recent_orders) if at - RECENT <= d < at]
    return CustomerHistory(
        orders=row.orders,
        cancellations=row.cancellations,
        sold_value=float(abs(row.sold_value)),
        cancelled_value=float(abs(row.cancelled_value)),
        lines=row.lines,
        first_at=row.first_at,
        last_order_at=row.last_order_at,
        last_cancellation_at=row.last_cancellation_at,
        recent_days=[d for d in recent if at - d < timedelta(days=1)],
        order_dates=recent,
        cancelled_orders=row.cancelled_orders,
        cancelled_codes=set(row.cancelled_codes),
    )


def note_order_placed(*, order: Order, product_lines: int) -> None:
    """Add the sale order just placed (with `product_lines` product lines) to its customer's
    row; call inside the transaction that placed it, after scoring it. A customer without a row
    yet is counted from the orders (this one included)."""
    if order.customer_id is None:
        return
    if order.kind != OrderKind.ORDER or order.status == OrderStatus.CANCELLED:
        refresh([order.customer_id])
        return
    with transaction.atomic():
        row = RiskHistory.objects.select_for_update().filter(customer_id=order.customer_id).first()
        if row is None:
            refresh([order.customer_id])
            return
        at = order.placed_at
        row.orders += 1
        row.lines += product_lines
        row.sold_value += Decimal(order.total)
        row.first_at = at if row.first_at is None else min(row.first_at, at)
        row.last_order_at = at if row.last_order_at is None else max(row.last_order_at, at)
        kept = [d for d in row.recent_orders if datetime.fromisoformat(d) >= at - RECENT]
        row.recent_orders = sorted([*kept, at.isoformat()])[-RECENT_MAX:]
        row.save(update_fields=[*COUNTED, "updated_at"])


def refresh(customer_ids: Iterable[int | None]) -> int:
    """Recount the rows of these customers from their orders (creating missing rows), in
    batches; each batch's rows are locked before counting, so an order placed meanwhile is
    either counted here or added by its own transaction afterwards. Returns how many rows."""
    ids = sorted({pk for pk in customer_ids if pk is not None})
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with transaction.atomic():
            RiskHistory.objects.bulk_create(
                [RiskHistory(customer_id=pk) for pk in batch], ignore_conflicts=True
            )
            list(
                RiskHistory.objects.select_for_update()
                .filter(customer_id__in=batch)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            RiskHistory.objects.bulk_create(
                _recount(batch),
                update_conflicts=True,
                unique_fields=["customer"],
                update_fields=[*COUNTED, "updated_at"],
            )
    return len(ids)


def refresh_changed() -> int:
    """The hourly task's work: recount the customers whose orders changed since its last run
    (every customer with an order on the first run). Returns how many rows were recounted."""
    started = timezone.now()
    since = RiskSettings.objects.get_or_create(pk=1)[0].histories_counted_at
    changed = Order.objects.exclude(customer=None)
    if since is not None:
        changed = changed.filter(updated_at__gte=since - MARGIN)
    ids = list(changed.order_by().values_list("customer_id", flat=True).distinct())
    counted = refresh(ids)
    RiskSettings.objects.filter(pk=1).update(histories_counted_at=started)
    return counted


def _recount(batch: list[int]) -> list[RiskHistory]:
    """The rows of `batch` counted from all their orders (four grouped queries)."""
    now = timezone.now()
    rows = {pk: RiskHistory(customer_id=pk, updated_at=now) for pk in batch}
    mine = Order.objects.filter(customer_id__in=batch).order_by()
    for r in mine.values("customer_id").annotate(
        orders=Count("pk", filter=SALES),
        cancellations=Count("pk", filter=CANCELLED),
        cancelled_orders=Count("pk", filter=SALES & Q(status=OrderStatus.CANCELLED)),
        sold=Sum("total", filter=SALES),
        cancelled_value=Sum("total", filter=CANCELLED),
        first=Min("placed_at"),
        last=Max("placed_at", filter=SALES),
        last_cancel=Max("placed_at", filter=CANCELLED),
    ):
        row = rows[r["customer_id"]]
        _fill(
            row,
            orders=r["orders"],
            cancellations=r["cancellations"],
            cancelled_orders=r["cancelled_orders"],
            sold_value=r["sold"] or Decimal(0),
            cancelled_value=r["cancelled_value"] or Decimal(0),
            first_at=r["first"],
            last_order_at=r["last"],
            last_cancellation_at=r["last_cancel"],
        )
    for pk, n in (
        OrderLine.objects.filter(
            order__customer_id__in=batch, order__kind=OrderKind.ORDER, kind=LineKind.PRODUCT
        )
        .order_by()
        .values_list("order__customer_id")
        .annotate(n=Count("pk"))
    ):
        rows[pk].lines = n
    for pk, placed in mine.filter(SALES, placed_at__gte=now - RECENT).values_list(
        "customer_id", "placed_at"
    ):
        rows[pk].recent_orders.append(placed)
    for row in rows.values():
        row.recent_orders = [d.isoformat() for d in sorted(row.recent_orders)][-RECENT_MAX:]
    for pk, sku in (
        OrderLine.objects.filter(order__customer_id__in=batch, product__isnull=False)
        .filter(Q(order__kind=OrderKind.CREDIT_NOTE) | Q(order__status=OrderStatus.CANCELLED))
        .order_by()
        .values_list("order__customer_id", "sku")
        .distinct()
    ):
        codes = rows[pk].cancelled_codes
        if len(codes) < CODES_MAX:
            codes.append(sku)
    return list(rows.values())


def _fill(row: RiskHistory, **values: Any) -> None:
    for name, value in values.items():
        setattr(row, name, value)
