"""Keeping the rollup tables fresh: recompute whole days from the orders.

`refresh_days(days)` replaces the rows of those days (one transaction per day), then the
customer-month rows of their months (with the customers' profile attributes copied on), the
cohort and previous month of the customers in them, and the cohort-month rows that moved. The
periodic task `refresh_changed` finds the days of orders changed since the last run
(`updated_at`) and refunds created since, and the customers whose profile changed since, and
refreshes those; `rebuild_all` recomputes everything (after an import).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from rapport.analytics.models import (
    BasketSizeDay,
    CategoryDay,
    CohortMonth,
    CustomerMonth,
    OrderHourDay,
    ProductDay,
    ProductMonth,
    ProfileMonth,
    RollupState,
    SalesDay,
)
from rapport.customers.models import Customer
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


def _month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(month, datetime.time.min, tzinfo=UTC)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return start, datetime.datetime.combine(following, datetime.time.min, tzinfo=UTC)


def _as_date(value: Any) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _chunks(ids: Iterable[int], size: int = 5000) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


def _link_months(
    customers: set[int], refreshed: set[datetime.date]
) -> tuple[set[datetime.date], set[datetime.date]]:
    """Set every row's cohort (the customer's first month) and previous month from the
    customer's other rows; returns the cohorts that gained or lost a customer on a row outside
    the `refreshed` months (those months' cohort rows are rebuilt anyway), and the months of
    the rows that changed."""
    table = CustomerMonth._meta.db_table
    changed: set[datetime.date] = set()
    months: set[datetime.date] = set()
    for chunk in _chunks(customers):
        marks = ", ".join(["%s"] * len(chunk))
        # Table name from the model, ids as parameters: no outside text reaches the query.
        linked = (
            "SELECT id, MIN(month) OVER (PARTITION BY customer_id) AS first_month, "  # noqa: S608
            "LAG(month) OVER (PARTITION BY customer_id ORDER BY month) AS prev "
            f"FROM {table} WHERE customer_id IN ({marks})"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT t.month, t.cohort, w.first_month FROM {table} t "  # noqa: S608
                f"JOIN ({linked}) w ON w.id = t.id WHERE t.cohort <> w.first_month",
                chunk,
            )
            for month, old, new in cursor.fetchall():
                if _as_date(month) not in refreshed:
                    changed.update((_as_date(old), _as_date(new)))
            cursor.execute(
                f"UPDATE {table} SET cohort = w.first_month, prev_month = w.prev "  # noqa: S608
                f"FROM ({linked}) AS w WHERE {table}.id = w.id AND ({table}.cohort <> "
                f"w.first_month OR {table}.prev_month IS DISTINCT FROM w.prev) "
                f"RETURNING {table}.month",
                chunk,
            )
            months.update(_as_date(r[0]) for r in cursor.fetchall())
    return changed, months


PROFILE_COLUMNS = ("country", "region", "gender", "birthday", "occupation_id")


def copy_profiles(customers: Iterable[int]) -> tuple[set[datetime.date], set[datetime.date]]:
    """Copy the profile attributes of `customers` (changed since the last refresh) onto their
    customer-month rows; returns the cohorts of the customers whose country changed and the
    months of the rows that changed."""
    table = CustomerMonth._meta.db_table
    people = Customer._meta.db_table
    sets = ", ".join(f"{c} = c.{c}" for c in PROFILE_COLUMNS)
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM c.{c}" for c in PROFILE_COLUMNS)
    cohorts: set[datetime.date] = set()
    months: set[datetime.date] = set()
    for chunk in _chunks(customers):
        marks = ", ".join(["%s"] * len(chunk))
        with transaction.atomic(), connection.cursor() as cursor:
            # Table and column names from the models, ids as parameters.
            cursor.execute(
                f"SELECT DISTINCT t.cohort FROM {table} t JOIN {people} c "  # noqa: S608
                f"ON c.id = t.customer_id WHERE t.customer_id IN ({marks}) "
                "AND t.country <> c.country",
                chunk,
            )
            cohorts.update(_as_date(r[0]) for r in cursor.fetchall())
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM {people} AS c "  # noqa: S608
                f"WHERE c.id = t.customer_id AND t.customer_id IN ({marks}) AND ({differs}) "
                "RETURNING t.month",
                chunk,
            )
            months.update(_as_date(r[0]) for r in cursor.fetchall())
    return cohorts, months


def refresh_profile_months(months: set[datetime.date]) -> None:
    """Rebuild the ProfileMonth rows of `months` from CustomerMonth."""
    if not months:
        return
    with transaction.atomic():
        ProfileMonth.objects.filter(month__in=months).delete()
        ProfileMonth.objects.bulk_create(
            [
                ProfileMonth(**r)
                for r in CustomerMonth.objects.filter(month__in=months)
                .values("month", "prev_month", *PROFILE_COLUMNS)
                .annotate(customers=Count("pk"), revenue=Sum("revenue"))
                .order_by()
            ],
            batch_size=5000,
        )


def refresh_cohort_months(months: set[datetime.date], cohorts: set[datetime.date]) -> None:
    """Rebuild the CohortMonth rows of `months` and of `cohorts` from CustomerMonth."""
    if not months and not cohorts:
        return
    where = Q(month__in=months) | Q(cohort__in=cohorts)
    with transaction.atomic():
        CohortMonth.objects.filter(where).delete()
        CohortMonth.objects.bulk_create(
            [
                CohortMonth(**r)
                for r in CustomerMonth.objects.filter(where)
                .values("cohort", "month", "country")
                .annotate(customers=Count("pk"), revenue=Sum("revenue"))
                .order_by()
            ],
            batch_size=5000,
        )


def refresh_customer_months(
    months: Iterable[datetime.date], changed_customers: Iterable[int] = ()
) -> None:
    """Recompute the customer-month rows of `months` (first days) with the customers' profile
    attributes; copy the attributes of `changed_customers` onto their other rows; then link
    the cohort and previous month of every customer whose rows changed, and rebuild the
    cohort-month and profile-month rows that moved."""
    wanted = set(months)
    touched: set[int] = set()
    profile = {f"customer__{c}": c for c in PROFILE_COLUMNS}
    for month in sorted(wanted):
        start, end = _month_bounds(month)
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
                    **{c: r[k] for k, c in profile.items()},
                )
                for r in _kept_orders(start, end)
                .filter(customer__isnull=False)
                .values("customer_id", *profile)
                .annotate(orders=Count("pk"), revenue=Sum("total"))
            ]
            CustomerMonth.objects.bulk_create(rows, batch_size=5000)
            touched.update(r.customer_id for r in rows)
    cohorts, moved = copy_profiles(set(changed_customers))
    linked_cohorts, linked = _link_months(touched, wanted)
    refresh_cohort_months(wanted, cohorts | linked_cohorts)
    refresh_profile_months(wanted | moved | linked)


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


def refresh_days(days: Iterable[datetime.date], changed_customers: Iterable[int] = ()) -> int:
    """Recompute the rollup rows of `days` (and the customer-month rows of their months, with
    the profiles of `changed_customers` copied anew); returns how many days were refreshed."""
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
    refresh_customer_months(months, changed_customers)
    return len(wanted)


def refresh_changed(now: datetime.datetime | None = None) -> int:
    """Refresh the days of orders changed (or refunded) since the last run, and the identity
    rows of customers whose profile changed since then; idempotent."""
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
            profiles: list[int] = []
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
            # A changed profile (country, birthday …) moves the customer's identity rows.
            customers = Customer.objects.filter(updated_at__gte=since, updated_at__lt=now)
            profiles = list(customers.values_list("pk", flat=True).order_by())
        count = refresh_days(days, profiles)
        state.refreshed_until = now
        state.save(update_fields=["refreshed_until"])
    return count


def rebuild_all() -> int:
    """Forget the refresh mark and recompute every day."""
    RollupState.objects.filter(pk=1).update(refreshed_until=None)
    return refresh_changed()
