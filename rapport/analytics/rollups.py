"""Keeping the rollup tables fresh: recompute whole days from the orders.

`refresh_days(days)` replaces the rows of those days (one transaction per day), then the
customer-month rows of their months. The periodic
task `refresh_changed` finds the days of orders changed since the last run (`updated_at`) and
refunds created since, and refreshes those; `rebuild_all` recomputes everything (after an import).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from rapport.analytics.models import (
    BasketSizeDay,
    CategoryDay,
    CustomerMonth,
    OrderHourDay,
    ProductDay,
    ProductMonth,
    RollupState,
    SalesDay,
)
from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus, Refund

UTC = datetime.UTC


def _bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC)
    return start, start + datetime.timedelta(days=1)


def _sales_rows(start: datetime.datetime, end: datetime.datetime) -> list[SalesDay]:
    orders = Order.objects.filter(placed_at__gte=start, placed_at__lt=end).order_by()
    rows: dict[tuple, SalesDay] = {}
    for r in (
        orders.annotate(day=TruncDate("placed_at", tzinfo=UTC))
        .values("day", "country", "source", "payment_method")
        .annotate(
            orders=Count("pk", filter=Q(kind=OrderKind.ORDER)),
            revenue=Sum("total", filter=Q(kind=OrderKind.ORDER)),
            cancelled=Count("pk", filter=Q(kind=OrderKind.ORDER, status=OrderStatus.CANCELLED)),
            credit_notes=Count("pk", filter=Q(kind=OrderKind.CREDIT_NOTE)),
            credited=Sum("total", filter=Q(kind=OrderKind.CREDIT_NOTE)),
        )
    ):
        key = (r["day"], r["country"], r["source"], r["payment_method"])
        rows[key] = SalesDay(
            day=r["day"],
            country=r["country"],
            channel=r["source"],
            payment_method=r["payment_method"],
            orders=r["orders"],
            revenue=r["revenue"] or Decimal(0),
            cancelled=r["cancelled"],
            credit_notes=r["credit_notes"],
            credited=abs(r["credited"] or Decimal(0)),
        )
    for line in (
        OrderLine.objects.filter(
            order__in=orders.filter(kind=OrderKind.ORDER), kind=LineKind.PRODUCT
        )
        .annotate(day=TruncDate("order__placed_at", tzinfo=UTC))
        .values("day", "order__country", "order__source", "order__payment_method")
        .annotate(items=Sum("quantity"))
        .order_by()
    ):
        key = (
            line["day"],
            line["order__country"],
            line["order__source"],
            line["order__payment_method"],
        )
        if key in rows:
            rows[key].items = line["items"] or 0
    for refund in (
        Refund.objects.filter(order__in=orders)
        .annotate(day=TruncDate("order__placed_at", tzinfo=UTC))
        .values("day", "order__country", "order__source", "order__payment_method")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        key = (
            refund["day"],
            refund["order__country"],
            refund["order__source"],
            refund["order__payment_method"],
        )
        if key in rows:
            rows[key].refunded = refund["amount"] or Decimal(0)
    return list(rows.values())


def _product_rows(start: datetime.datetime, end: datetime.datetime) -> list[ProductDay]:
    return [
        ProductDay(
            day=r["day"],
            country=r["order__country"],
            channel=r["order__source"],
            product_id=r["product_id"],
            category_id=r["category"],
            units=r["units"] or 0,
            revenue=r["revenue"] or Decimal(0),
        )
        for r in OrderLine.objects.filter(
            order__placed_at__gte=start,
            order__placed_at__lt=end,
            order__kind=OrderKind.ORDER,
            kind=LineKind.PRODUCT,
            product__isnull=False,
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .annotate(day=TruncDate("order__placed_at", tzinfo=UTC), category=F("product__category"))
        .values("day", "order__country", "order__source", "product_id", "category")
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"))
        .order_by()
    ]


def _category_rows(products: list[ProductDay]) -> list[CategoryDay]:
    rows: dict[tuple, CategoryDay] = {}
    for p in products:
        key = (p.day, p.country, p.channel, p.category_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = CategoryDay(
                day=p.day, country=p.country, channel=p.channel, category_id=p.category_id
            )
        row.units += p.units
        row.revenue += p.revenue
    return list(rows.values())


def _kept_orders(start: datetime.datetime, end: datetime.datetime) -> Any:
    """Sale orders placed in [start, end) that still count (not cancelled)."""
    return (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end, kind=OrderKind.ORDER)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by()
    )


def _hour_rows(start: datetime.datetime, end: datetime.datetime) -> list[OrderHourDay]:
    local = timezone.get_default_timezone()
    return [
        OrderHourDay(
            day=start.date(),
            country=r["country"],
            channel=r["source"],
            weekday=r["weekday"],
            hour=r["hour"],
            orders=r["orders"],
            revenue=r["revenue"] or Decimal(0),
        )
        for r in _kept_orders(start, end)
        .annotate(
            weekday=ExtractIsoWeekDay("placed_at", tzinfo=local),
            hour=ExtractHour("placed_at", tzinfo=local),
        )
        .values("country", "source", "weekday", "hour")
        .annotate(orders=Count("pk"), revenue=Sum("total"))
    ]


def _basket_rows(start: datetime.datetime, end: datetime.datetime) -> list[BasketSizeDay]:
    counts: Counter[tuple[str, str, int]] = Counter()
    for r in (
        _kept_orders(start, end)
        .annotate(product_lines=Count("lines", filter=Q(lines__kind=LineKind.PRODUCT)))
        .values_list("country", "source", "product_lines")
    ):
        counts[(r[0], r[1], min(r[2], BasketSizeDay.BASKET_CAP))] += 1
    return [
        BasketSizeDay(day=start.date(), country=c, channel=ch, lines=n, orders=orders)
        for (c, ch, n), orders in counts.items()
        if n > 0
    ]


def refresh_customer_months(months: Iterable[datetime.date]) -> None:
    """Recompute the customer-month rows of `months` (first days), then the cohort (first
    order month) of every customer whose rows changed."""
    touched: set[int] = set()
    for month in sorted(set(months)):
        start = datetime.datetime.combine(month, datetime.time.min, tzinfo=UTC)
        end = datetime.datetime.combine(
            (month + datetime.timedelta(days=32)).replace(day=1), datetime.time.min, tzinfo=UTC
        )
        with transaction.atomic():
            touched.update(
                CustomerMonth.objects.filter(month=month).values_list("customer_id", flat=True)
            )
            CustomerMonth.objects.filter(month=month).delete()
            rows = [
                CustomerMonth(
                    customer_id=r["customer_id"],
                    month=month,
                    cohort=month,
                    orders=r["orders"],
                    revenue=r["revenue"] or Decimal(0),
                )
                for r in _kept_orders(start, end)
                .filter(customer__isnull=False)
                .values("customer_id")
                .annotate(orders=Count("pk"), revenue=Sum("total"))
            ]
            CustomerMonth.objects.bulk_create(rows, batch_size=5000)
            touched.update(r.customer_id for r in rows)
    ids = sorted(touched)
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        with transaction.atomic():
            firsts = (
                CustomerMonth.objects.filter(customer_id__in=chunk)
                .values("customer_id")
                .annotate(first=Min("month"))
                .order_by()
            )
            by_first: dict[datetime.date, list[int]] = {}
            for r in firsts:
                by_first.setdefault(r["first"], []).append(r["customer_id"])
            for first, customers in by_first.items():
                CustomerMonth.objects.filter(customer_id__in=customers).exclude(
                    cohort=first
                ).update(cohort=first)


def refresh_product_months(months: Iterable[datetime.date]) -> None:
    """Rebuild the ProductMonth rows of `months` (first days) from ProductDay."""
    for month in sorted(set(months)):
        end = (month + datetime.timedelta(days=32)).replace(day=1)
        with transaction.atomic():
            ProductMonth.objects.filter(month=month).delete()
            ProductMonth.objects.bulk_create(
                [
                    ProductMonth(month=month, **r)
                    for r in ProductDay.objects.filter(day__gte=month, day__lt=end)
                    .values("country", "channel", "product_id", "category_id")
                    .annotate(units=Sum("units"), revenue=Sum("revenue"))
                    .order_by()
                ],
                batch_size=5000,
            )


def refresh_days(days: Iterable[datetime.date]) -> int:
    """Recompute the rollup rows of `days`; returns how many days were refreshed."""
    wanted = sorted(set(days))
    for day in wanted:
        start, end = _bounds(day)
        with transaction.atomic():
            for model in (SalesDay, ProductDay, CategoryDay, OrderHourDay, BasketSizeDay):
                model.objects.filter(day=day).delete()
            products = _product_rows(start, end)
            SalesDay.objects.bulk_create(_sales_rows(start, end), batch_size=2000)
            ProductDay.objects.bulk_create(products, batch_size=2000)
            CategoryDay.objects.bulk_create(_category_rows(products), batch_size=2000)
            OrderHourDay.objects.bulk_create(_hour_rows(start, end), batch_size=2000)
            BasketSizeDay.objects.bulk_create(_basket_rows(start, end), batch_size=2000)
    months = {d.replace(day=1) for d in wanted}
    refresh_product_months(months)
    refresh_customer_months(months)
    return len(wanted)


def refresh_changed(now: datetime.datetime | None = None) -> int:
    """Refresh the days of orders changed (or refunded) since the last run; idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _created = RollupState.objects.select_for_update().get_or_create(pk=1)
        since = state.refreshed_until
        if since is None:
            days: set[datetime.date] = set(
                Order.objects.annotate(day=TruncDate("placed_at", tzinfo=UTC))
                .values_list("day", flat=True)
                .distinct()
                .order_by()
            )
        else:
            changed = Order.objects.filter(updated_at__gte=since, updated_at__lt=now)
            refunded = Order.objects.filter(
                refunds__created_at__gte=since, refunds__created_at__lt=now
            )
            days = {
                d
                for qs in (changed, refunded)
                for d in qs.annotate(day=TruncDate("placed_at", tzinfo=UTC))
                .values_list("day", flat=True)
                .distinct()
                .order_by()
            }
        count = refresh_days(days)
        state.refreshed_until = now
        state.save(update_fields=["refreshed_until"])
    return count


def rebuild_all() -> int:
    """Forget the refresh mark and recompute every day."""
    RollupState.objects.filter(pk=1).update(refreshed_until=None)
    return refresh_changed()
