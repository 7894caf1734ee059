"""The manager reports: filters in, tables and one chart out (the same data feeds the page, the
chart and the CSV/XLSX export). Transaction statistics and market trends read the rollup tables;
heavy customers read the RFM scores (`segments`); purchase tendencies and identity analysis
live in `tendencies.py` and `identity.py`. See docs/analytics.md."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from rapport.analytics.models import ProductDay, SalesDay

GRAINS = ("day", "week", "month")
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


class FilterError(ValueError):
    """A filter value that cannot be used; the message is safe to show."""


@dataclass
class Filters:
    start: datetime.date
    end: datetime.date  # inclusive
    grain: str = "week"
    country: str = ""
    channel: str = ""
    payment: str = ""
    category: int | None = None
    segment: str = ""
    source: str = ""  # traffic: this site or the demo clickstream

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (a stable URL for the same report)."""
        values = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "grain": self.grain,
            "country": self.country,
            "channel": self.channel,
            "payment": self.payment,
            "category": str(self.category or ""),
            "segment": self.segment,
            "source": self.source,
        }
        return {k: v for k, v in values.items() if v}


def _date(text: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise FilterError(_("%(name)s must be a date, YYYY-MM-DD.") % {"name": name}) from exc


def parse_filters(params: Mapping[str, str]) -> Filters:
    """URL parameters → Filters. Without dates: the 90 days up to the latest day with sales."""
    end_text, start_text = params.get("end", ""), params.get("start", "")
    if end_text:
        end = _date(end_text, "end")
    else:
        latest = SalesDay.objects.aggregate(d=Max("day"))["d"]
        end = latest or datetime.datetime.now(datetime.UTC).date()
    start = (
        _date(start_text, "start")
        if start_text
        else end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    )
    if start > end:
        raise FilterError(_("The start date is after the end date."))
    if (end - start).days > MAX_DAYS:
        raise FilterError(_("Choose a period of at most three years."))
    grain = params.get("grain") or "week"
    if grain not in GRAINS:
        raise FilterError(_("Group by day, week or month."))
    category_text = params.get("category", "")
    if category_text and not category_text.isdigit():
        raise FilterError(_("Unknown category."))
    return Filters(
        start=start,
        end=end,
        grain=grain,
        country=params.get("country", "")[:80],
        channel=params.get("channel", "")[:32],
        payment=params.get("payment", "")[:20],
        category=int(category_text) if category_text else None,
        segment=params.get("segment", "")[:40],
        source=params.get("source", "")[:16],
    )


@dataclass
class Table:
    title: str
    columns: list[tuple[str, Any]]  # (key, label: a lazy string)
    rows: list[dict[str, Any]]


@dataclass
class ReportData:
    code: str
    title: str
    tables: list[Table]
    # ECharts-ready: {"x": [...], "series": [{"name", "type", "data"}]}
    chart: dict[str, Any] = field(default_factory=dict)

    def chart_json(self) -> dict[str, Any]:
        """The chart as plain JSON: `x` (and `y` for a heat map) as text, numbers as numbers;
        `kind` says how to draw it ("heatmap"; absent for bars and lines)."""
        out: dict[str, Any] = {
            key: value for key, value in self.chart.items() if key not in ("x", "y", "series")
        }
        out["x"] = [str(x) for x in self.chart.get("x", [])]
        if "y" in self.chart:
            out["y"] = [str(y) for y in self.chart["y"]]
        out["series"] = [
            {**s, "data": [_plain(v) for v in s["data"]]} for s in self.chart.get("series", [])
        ]
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return float(value) if isinstance(value, Decimal) else value


def _ratio(a: Any, b: Any, places: int = 2) -> Decimal | None:
    if not b:
        return None
    return (Decimal(a or 0) / Decimal(b)).quantize(Decimal(1).scaleb(-places))


def _period(grain: str) -> Any:
    if grain == "week":
        return TruncWeek("day")
    if grain == "month":
        return TruncMonth("day")
    return F("day")


def _sales(filters: Filters) -> QuerySet[SalesDay]:
    qs = SalesDay.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.payment:
        qs = qs.filter(payment_method=filters.payment)
    return qs.order_by()


SALES_SUMS = {
    "orders": Sum("orders"),
    "revenue": Sum("revenue"),
    "items": Sum("items"),
    "cancelled": Sum("cancelled"),
    "refunded": Sum("refunded"),
    "credit_notes": Sum("credit_notes"),
    "credited": Sum("credited"),
}


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["aov"] = _ratio(row["revenue"], row["orders"])
    row["items_per_order"] = _ratio(row["items"], row["orders"])
    row["refund_rate"] = _ratio(row["refunded"], row["revenue"], 4)
    row["cancel_rate"] = _ratio(row["cancelled"], row["orders"], 4)
    return row


def transactions(filters: Filters) -> ReportData:
    """Orders, revenue, average order value, items per order, cancellations, refunds and credit
    notes per day/week/month, and the payment-mode mix."""
    qs = _sales(filters)
    grouped = qs.annotate(p=_period(filters.grain)).values("p")
    rows = [
        _with_rates({"period": r["p"], **{k: dict(r)[k] or 0 for k in SALES_SUMS}})
        for r in grouped.annotate(**SALES_SUMS).order_by("p")
    ]
    total = _with_rates({"period": _("Total"), **{k: 0 for k in SALES_SUMS}})
    for row in rows:
        for key in SALES_SUMS:
            total[key] += row[key]
    total = _with_rates(total)
    mix = [
        {
            "payment_method": r["payment_method"] or "—",
            "orders": r["orders"] or 0,
            "revenue": r["revenue"] or Decimal(0),
            "share": _ratio(r["revenue"], total["revenue"], 4),
        }
        for r in qs.values("payment_method")
        .annotate(orders=Sum("orders"), revenue=Sum("revenue"))
        .order_by("-revenue")
    ]
    columns = [
        ("period", _("Period")),
        ("orders", _("Orders")),
        ("revenue", _("Revenue")),
        ("aov", _("Average order value")),
        ("items", _("Items")),
        ("items_per_order", _("Items per order")),
        ("cancelled", _("Cancelled")),
        ("cancel_rate", _("Cancellation rate")),
        ("refunded", _("Refunded")),
        ("refund_rate", _("Refund rate")),
        ("credit_notes", _("Credit notes")),
        ("credited", _("Credited")),
    ]
    return ReportData(
        code="transactions",
        title=str(_("Transaction statistics")),
        tables=[
            Table(str(_("By period")), columns, [*rows, total]),
            Table(
                str(_("Payment-mode mix")),
                [
                    ("payment_method", _("Payment mode")),
                    ("orders", _("Orders")),
                    ("revenue", _("Revenue")),
                    ("share", _("Share of revenue")),
                ],
                mix,
            ),
        ],
        chart={
            "x": [r["period"] for r in rows],
            "series": [
                {"name": str(_("Revenue")), "type": "bar", "data": [r["revenue"] for r in rows]},
                {
                    "name": str(_("Orders")),
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [r["orders"] for r in rows],
                },
            ],
        },
    )


def _category_ids(category: int | None) -> list[int] | None:
    """The category and its subcategories (None: no category filter)."""
    if not category:
        return None
    from rapport.catalog.models import Category

    return [category, *Category.objects.filter(parent_id=category).values_list("pk", flat=True)]


def _rollup(
    model: Any,
    filters: Filters,
    start: datetime.date,
    end: datetime.date,
    *,
    by_category: bool = False,
    field: str = "day",
) -> QuerySet[Any]:
    """Rows of a day (or month) x country x channel rollup in [start, end] with the filters."""
    qs = model.objects.filter(**{f"{field}__gte": start, f"{field}__lte": end})
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    categories = _category_ids(filters.category) if by_category else None
    if categories is not None:
        qs = qs.filter(category_id__in=categories)
    return qs.order_by()


def _month_split(
    start: datetime.date, end: datetime.date
) -> tuple[list[tuple[datetime.date, datetime.date]], tuple[datetime.date, datetime.date] | None]:
    """[start, end] as the days at its edges and the whole calendar months inside it."""
    one = datetime.timedelta(days=1)
    first_full = start if start.day == 1 else (start.replace(day=1) + 32 * one).replace(day=1)
    after = (end + one).replace(day=1)  # first day of the month holding the day after `end`
    if first_full >= after:
        return [(start, end)], None
    edges = [(start, first_full - one)] if start < first_full else []
    if after <= end:
        edges.append((after, end))
    return edges, (first_full, after - one)


def product_totals(
    filters: Filters, start: datetime.date, end: datetime.date
) -> dict[int, list[Any]]:
    """Units and revenue per product in [start, end]: whole months from ProductMonth, the days
    at the edges from ProductDay (country, channel and category filters applied)."""
    from rapport.analytics.models import ProductMonth

    totals: dict[int, list[Any]] = {}

    def add(qs: QuerySet[Any]) -> None:
        for pk, units, revenue in (
            qs.values("product_id")
            .annotate(u=Sum("units"), r=Sum("revenue"))
            .values_list("product_id", "u", "r")
        ):
            found = totals.setdefault(pk, [0, Decimal(0)])
            found[0] += units or 0
            found[1] += revenue or Decimal(0)

    edges, months = _month_split(start, end)
    for a, b in edges:
        add(_rollup(ProductDay, filters, a, b, by_category=True))
    if months is not None:
        add(_rollup(ProductMonth, filters, *months, by_category=True, field="month"))
    return totals


def _growth(now: Any, before: Any) -> Decimal | None:
    return _ratio(Decimal(now or 0) - Decimal(before or 0), before, 4) if before else None


def _now_and_before(qs: QuerySet[Any], key: str, start: datetime.date) -> dict[Any, dict]:
    """One scan of both periods: revenue and units from `start` on, revenue before it."""
    return {
        r[key]: r
        for r in qs.values(key).annotate(
            now_revenue=Sum("revenue", filter=Q(day__gte=start)),
            now_units=Sum("units", filter=Q(day__gte=start)),
            previous=Sum("revenue", filter=Q(day__lt=start)),
        )
    }


def _growth_rows(found: dict[Any, dict], label: str, names: Mapping[Any, str]) -> list[dict]:
    rows = [
        {
            label: names.get(pk, pk) or "—",
            "revenue": r["now_revenue"],
            "units": r["now_units"] or 0,
            "previous_revenue": r["previous"] or Decimal(0),
            "growth": _growth(r["now_revenue"], r["previous"]),
        }
        for pk, r in found.items()
        if r["now_revenue"] is not None
    ]
    rows.sort(key=lambda r: -Decimal(r["revenue"]))
    return rows


def trends(filters: Filters) -> ReportData:
    """Revenue and units by category over time (top categories), by country with growth vs the
    previous period of the same length, and the products rising and falling most. Categories,
    countries and the chart read CategoryDay; products read ProductMonth for whole months and
    ProductDay for the days at the edges of each period."""
    from rapport.analytics.models import CategoryDay
    from rapport.catalog.models import Category, Product

    length = filters.end - filters.start + datetime.timedelta(days=1)
    prev_start = filters.start - length
    both = _rollup(CategoryDay, filters, prev_start, filters.end, by_category=True)
    cats = _now_and_before(both, "category_id", filters.start)
    names: dict[int | None, str] = dict(
        Category.objects.filter(pk__in=[pk for pk in cats if pk]).values_list("pk", "name")
    )
    names[None] = "—"
    category_rows = _growth_rows(cats, "category", names)
    country_rows = _growth_rows(_now_and_before(both, "country", filters.start), "country", {})
    now = product_totals(filters, filters.start, filters.end)
    before = product_totals(filters, prev_start, filters.start - datetime.timedelta(days=1))
    changes = [
        (
            pk,
            (now.get(pk) or [0, Decimal(0)])[1],
            (before.get(pk) or [0, Decimal(0)])[1],
        )
        for pk in set(now) | set(before)
    ]
    changes.sort(key=lambda c: (c[1] - c[2], c[0]))
    chosen = changes[-10:][::-1] + changes[:10]
    product_names = dict(
        Product.objects.filter(pk__in=[c[0] for c in chosen]).values_list("pk", "name")
    )

    def change_row(c: tuple[int, Decimal, Decimal]) -> dict[str, Any]:
        return {
            "product": product_names.get(c[0], "—"),
            "revenue": c[1],
            "previous_revenue": c[2],
            "change": c[1] - c[2],
        }

    rising = [change_row(c) for c in changes[-10:][::-1] if c[1] - c[2] > 0]
    falling = [change_row(c) for c in changes[:10] if c[1] - c[2] < 0]
    # The chart: revenue per period of the five biggest categories.
    top = [
        pk
        for pk, _r in sorted(
            ((pk, r) for pk, r in cats.items() if r["now_revenue"] is not None),
            key=lambda kv: -kv[1]["now_revenue"],
        )
    ][:5]
    series_qs = (
        _rollup(CategoryDay, filters, filters.start, filters.end, by_category=True)
        .filter(category_id__in=[pk for pk in top if pk is not None])
        .annotate(p=_period(filters.grain))
    )
    points = {
        (r["p"], r["category_id"]): r["revenue"]
        for r in series_qs.values("p", "category_id").annotate(revenue=Sum("revenue"))
    }
    xs = sorted({p for p, _c in points})
    growth_cols = [
        ("revenue", _("Revenue")),
        ("units", _("Units")),
        ("previous_revenue", _("Previous period")),
        ("growth", _("Growth")),
    ]
    change_cols = [
        ("product", _("Product")),
        ("revenue", _("Revenue")),
        ("previous_revenue", _("Previous period")),
        ("change", _("Change")),
    ]
    return ReportData(
        code="trends",
        title=str(_("Market trends")),
        tables=[
            Table(
                str(_("By category")), [("category", _("Category")), *growth_cols], category_rows
            ),
            Table(str(_("By country")), [("country", _("Country")), *growth_cols], country_rows),
            Table(str(_("Rising products")), change_cols, rising),
            Table(str(_("Falling products")), change_cols, falling),
        ],
        chart={
            "x": xs,
            "series": [
                {
                    "name": names.get(pk, "—"),
                    "type": "line",
                    "data": [points.get((x, pk), 0) for x in xs],
                }
                for pk in top
                if pk is not None
            ],
        },
    )


def last_contacts(customer_ids: list[int]) -> dict[int, datetime.datetime]:
    """The latest chat message or service-ticket message with each of these customers."""
    from django.db.models import Max

    from rapport.aftersales.models import TicketMessage
    from rapport.chat.models import Room

    found: dict[int, datetime.datetime] = {}
    for pk, at in [
        *Room.objects.filter(customer_id__in=customer_ids, last_message_at__isnull=False)
        .values("customer_id")
        .annotate(at=Max("last_message_at"))
        .values_list("customer_id", "at"),
        *TicketMessage.objects.filter(ticket__customer_id__in=customer_ids)
        .values("ticket__customer_id")
        .annotate(at=Max("created_at"))
        .values_list("ticket__customer_id", "at"),
    ]:
        if pk not in found or at > found[pk]:
            found[pk] = at
    return found


def _customer_filters(qs: QuerySet[Any], filters: Filters, prefix: str) -> QuerySet[Any]:
    if filters.country:
        qs = qs.filter(**{f"{prefix}country": filters.country})
    if filters.segment:
        qs = qs.filter(**{f"{prefix}segment_memberships__segment__public_id": filters.segment})
    return qs


def _heavy_row(customer: Any, value: Any, rfm: Any, contacts: Mapping[int, Any]) -> dict:
    manager = value.account_manager if value is not None else None
    contact = contacts.get(customer.pk)
    return {
        "customer": customer.name or customer.email or str(customer.public_id),
        "country": customer.country,
        "orders": rfm.frequency if rfm is not None else None,
        "spend": rfm.monetary if rfm is not None else None,
        "predicted": value.predicted_12m if value is not None and value.computed_at else None,
        "last_order": rfm.last_order_at.date() if rfm is not None else None,
        "group": rfm.get_group_display() if rfm is not None else "",
        "manager": (manager.get_full_name() or manager.email) if manager is not None else "",
        "last_contact": contact.date() if contact is not None else None,
    }


def _related(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def heavy_customers(filters: Filters) -> ReportData:
    """Customers ranked by net spend (RFM monetary) and, once the value model has run
    (`customervalue`), by predicted spend over the next 12 months; each with orders, last
    order, RFM group, their account manager and the last contact (chat or ticket message);
    country and segment filters."""
    from rapport.customervalue.models import CustomerValue
    from rapport.segments.models import RfmScore

    # The top 100 keys first (one sort of a narrow row), then their rows with the joins: joining
    # the customer, value and manager before the sort made PostgreSQL join every score.
    spend_ids = list(
        _customer_filters(RfmScore.objects.all(), filters, "customer__")
        .order_by("-monetary", "customer_id")
        .values_list("customer_id", flat=True)[:100]
    )
    found = RfmScore.objects.select_related(
        "customer", "customer__value", "customer__value__account_manager"
    ).in_bulk(spend_ids)
    by_spend = [found[pk] for pk in spend_ids]
    value_ids = list(
        _customer_filters(
            CustomerValue.objects.filter(computed_at__isnull=False, predicted_12m__gt=0),
            filters,
            "customer__",
        )
        .order_by("-predicted_12m", "customer_id")
        .values_list("pk", flat=True)[:100]
    )
    values = CustomerValue.objects.select_related(
        "customer", "customer__rfm", "account_manager"
    ).in_bulk(value_ids)
    by_value = [values[pk] for pk in value_ids]
    contacts = last_contacts(
        sorted({s.customer_id for s in by_spend} | {v.customer_id for v in by_value})
    )
    rows = [_heavy_row(s.customer, _related(s.customer, "value"), s, contacts) for s in by_spend]
    value_rows = [
        _heavy_row(v.customer, v, _related(v.customer, "rfm"), contacts) for v in by_value
    ]
    columns = [
        ("customer", _("Customer")),
        ("country", _("Country")),
        ("orders", _("Orders")),
        ("spend", _("Net spend")),
        ("predicted", _("Predicted spend, next 12 months")),
        ("last_order", _("Last order")),
        ("group", _("RFM group")),
        ("manager", _("Account manager")),
        ("last_contact", _("Last contact")),
    ]
    return ReportData(
        code="heavy_customers",
        title=str(_("Heavy customers")),
        tables=[
            Table(str(_("Top 100 by spend")), columns, rows),
            Table(str(_("Top 100 by predicted value")), columns, value_rows),
        ],
        chart={
            "x": [r["customer"] for r in rows[:20]],
            "series": [
                {
                    "name": str(_("Net spend")),
                    "type": "bar",
                    "data": [r["spend"] for r in rows[:20]],
                }
            ],
        },
    )


def purchase_tendencies(filters: Filters) -> ReportData:
    from rapport.analytics.tendencies import purchase_tendencies as build

    return build(filters)


def identity_analysis(filters: Filters) -> ReportData:
    from rapport.analytics.identity import identity_analysis as build

    return build(filters)


def site_traffic(filters: Filters) -> ReportData:
    from rapport.traffic.report import traffic as build

    return build(filters)


def surveys(filters: Filters) -> ReportData:
    from rapport.feedback.reports import surveys_report as build

    return build(filters)


@dataclass(frozen=True)
class ReportSpec:
    code: str
    title: Any
    build: Callable[[Filters], ReportData]
    filters: tuple[str, ...]


REPORTS: dict[str, ReportSpec] = {
    spec.code: spec
    for spec in (
        ReportSpec(
            "transactions",
            _("Transaction statistics"),
            transactions,
            ("period", "grain", "country", "channel", "payment"),
        ),
        ReportSpec(
            "trends",
            _("Market trends"),
            trends,
            ("period", "grain", "country", "channel", "category"),
        ),
        ReportSpec(
            "heavy_customers", _("Heavy customers"), heavy_customers, ("country", "segment")
        ),
        ReportSpec(
            "tendencies",
            _("Purchase tendencies"),
            purchase_tendencies,
            ("period", "country", "channel", "category"),
        ),
        ReportSpec(
            "identity",
            _("Identity analysis"),
            identity_analysis,
            ("period", "country", "segment"),
        ),
        ReportSpec("traffic", _("Site traffic"), site_traffic, ("period", "grain", "source")),
        ReportSpec("surveys", _("Surveys"), surveys, ("period",)),
    )
}
