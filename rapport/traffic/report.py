"""The site traffic view: visits and page views over time, entry pages, referrers, devices, the
funnel product view → add to cart → checkout → order with the drop-off at each step, and the
live visits (last 30 minutes) with their purchase-intent score. Reads `Visit`."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.analytics.reports import Filters, ReportData, Table, _ratio
from rapport.traffic.intent import INVITE_THRESHOLD
from rapport.traffic.models import Device, TrafficSource, Visit

TOP = 20
LIVE_WINDOW = datetime.timedelta(minutes=30)


def _visits(filters: Filters) -> QuerySet[Visit]:
    start = datetime.datetime.combine(filters.start, datetime.time.min, datetime.UTC)
    end = datetime.datetime.combine(filters.end, datetime.time.min, datetime.UTC)
    qs = Visit.objects.filter(started_at__gte=start, started_at__lt=end + datetime.timedelta(1))
    if filters.source:
        qs = qs.filter(source=filters.source)
    return qs.order_by()


def _trunc(grain: str) -> Any:
    kind = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[grain]
    return kind("started_at", tzinfo=datetime.UTC)


FUNNEL = {
    "viewed": Q(product_views__gt=0),
    "added": Q(cart_adds__gt=0),
    "checkout": Q(checkouts__gt=0),
    "ordered": Q(orders__gt=0),
}


def period_counts(qs: QuerySet[Visit], grain: str) -> list[dict[str, Any]]:
    """Per period: visits, page views, bounces and the visits reaching each funnel step (one
    scan of the visits serves the period table, the funnel and the totals)."""
    rows = (
        qs.annotate(p=_trunc(grain))
        .values("p")
        .annotate(
            visits=Count("pk"),
            page_views=Sum("pages"),
            bounces=Count("pk", filter=Q(pages__lte=1)),
            **{step: Count("pk", filter=q) for step, q in FUNNEL.items()},
        )
        .order_by("p")
    )
    return [dict(r) for r in rows]


def by_period(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "period": r["p"].date(),
            "visits": r["visits"],
            "views": r["page_views"] or 0,
            "pages_per_visit": _ratio(r["page_views"], r["visits"]),
            "bounce_rate": _ratio(r["bounces"], r["visits"], 4),
        }
        for r in counts
    ]


TOP_FIELDS = ("entry_path", "referrer", "device")


def top_counts(qs: QuerySet[Visit]) -> dict[str, list[tuple[str, int]]]:
    """Visits per entry page, per referrer and per device, most first (then by value), the
    first `TOP` of each: one scan with GROUPING SETS on PostgreSQL, one query each elsewhere."""
    found: dict[str, list[tuple[str, int]]] = {f: [] for f in TOP_FIELDS}
    if connection.vendor == "postgresql":
        sql, params = qs.values(*TOP_FIELDS).query.sql_with_params()
        # The ORM's own SQL and parameters, wrapped: no outside text reaches the query.
        query = (
            "SELECT entry_path, referrer, device, COUNT(*), GROUPING(entry_path), "  # noqa: S608
            f"GROUPING(referrer) FROM ({sql}) AS visits "
            "GROUP BY GROUPING SETS ((entry_path), (referrer), (device))"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            for entry, referrer, device, n, g_entry, g_referrer in cursor.fetchall():
                if not g_entry:
                    found["entry_path"].append((entry, n))
                elif not g_referrer:
                    found["referrer"].append((referrer, n))
                else:
                    found["device"].append((device, n))
    else:
        for name in TOP_FIELDS:
            found[name] = list(qs.values_list(name).annotate(n=Count("pk")).order_by())
    return {k: sorted(v, key=lambda kv: (-kv[1], kv[0]))[:TOP] for k, v in found.items()}


def _top(counts: list[tuple[str, int]], total: int, label: str, empty: Any) -> list[dict[str, Any]]:
    return [
        {label: value or empty, "visits": n, "share": _ratio(n, total, 4)} for value, n in counts
    ]


def funnel(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals = {step: sum(r[step] for r in counts) for step in FUNNEL}
    steps = [
        (_("Viewed a product"), totals["viewed"]),
        (_("Added to cart"), totals["added"]),
        (_("Reached checkout"), totals["checkout"]),
        (_("Ordered"), totals["ordered"]),
    ]
    rows = []
    previous = None
    for label, n in steps:
        rows.append(
            {
                "step": label,
                "visits": n,
                "of_previous": _ratio(n, previous, 4) if previous is not None else None,
                "drop_off": (previous - n) if previous is not None else None,
            }
        )
        previous = n
    return rows


def live_visits(now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """This site's visits active in the last 30 minutes, likeliest buyers first; a visit at or
    above the invitation threshold that has not ordered is marked for a chat invitation."""
    now = now or timezone.now()
    rows = []
    for v in Visit.objects.filter(
        source=TrafficSource.SITE, last_seen_at__gte=now - LIVE_WINDOW
    ).order_by(F("intent").desc(nulls_last=True), "-last_seen_at")[:TOP]:
        invite = v.intent is not None and v.intent >= INVITE_THRESHOLD and not v.orders
        rows.append(
            {
                "entry": v.entry_path,
                "pages": v.pages,
                "minutes": round((v.last_seen_at - v.started_at).total_seconds() / 60, 1),
                "cart_adds": v.cart_adds,
                "intent": v.intent,
                "invite": _("Offer chat") if invite else "",
            }
        )
    return rows


def traffic(filters: Filters) -> ReportData:
    qs = _visits(filters)
    counts = period_counts(qs, filters.grain)
    periods = by_period(counts)
    total = sum(r["visits"] for r in counts)
    tops = top_counts(qs)
    devices = dict(Device.choices)
    device_rows = _top(tops["device"], total, "device", "—")
    for row in device_rows:
        row["device"] = devices.get(row["device"], row["device"])
    share = [("visits", _("Visits")), ("share", _("Share of visits"))]
    return ReportData(
        code="traffic",
        title=str(_("Site traffic")),
        tables=[
            Table(
                str(_("Visits by period")),
                [
                    ("period", _("Period")),
                    ("visits", _("Visits")),
                    ("views", _("Page views")),
                    ("pages_per_visit", _("Pages per visit")),
                    ("bounce_rate", _("Bounce rate")),
                ],
                periods,
            ),
            Table(
                str(_("Funnel")),
                [
                    ("step", _("Step")),
                    ("visits", _("Visits")),
                    ("of_previous", _("Share of previous step")),
                    ("drop_off", _("Drop-off")),
                ],
                funnel(counts),
            ),
            Table(
                str(_("Entry pages")),
                [("entry", _("Entry page")), *share],
                _top(tops["entry_path"], total, "entry", "—"),
            ),
            Table(
                str(_("Referrers")),
                [("referrer", _("Referrer")), *share],
                _top(tops["referrer"], total, "referrer", _("(direct)")),
            ),
            Table(str(_("Devices")), [("device", _("Device")), *share], device_rows),
            Table(
                str(_("Live visits (last 30 minutes)")),
                [
                    ("entry", _("Entry page")),
                    ("pages", _("Pages")),
                    ("minutes", _("Minutes")),
                    ("cart_adds", _("Added to cart")),
                    ("intent", _("Purchase intent")),
                    ("invite", _("Chat")),
                ],
                live_visits(),
            ),
        ],
        chart={
            "x": [r["period"] for r in periods],
            "series": [
                {"name": str(_("Visits")), "type": "bar", "data": [r["visits"] for r in periods]},
                {
                    "name": str(_("Page views")),
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [r["views"] for r in periods],
                },
            ],
        },
    )
