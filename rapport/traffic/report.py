"""The site traffic view: visits and page views over time, entry pages, referrers, devices, the
funnel product view → add to cart → checkout → order with the drop-off at each step, and the
live visits (last 30 minutes) with their purchase-intent score. Reads `Visit`."""

from __future__ import annotations

import datetime
from typing import Any

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


def by_period(qs: QuerySet[Visit], grain: str) -> list[dict[str, Any]]:
    rows = []
    for r in (
        qs.annotate(p=_trunc(grain))
        .values("p")
        .annotate(
            visits=Count("pk"), page_views=Sum("pages"), bounces=Count("pk", filter=Q(pages__lte=1))
        )
        .order_by("p")
    ):
        rows.append(
            {
                "period": r["p"].date(),
                "visits": r["visits"],
                "views": r["page_views"] or 0,
                "pages_per_visit": _ratio(r["page_views"], r["visits"]),
                "bounce_rate": _ratio(r["bounces"], r["visits"], 4),
            }
        )
    return rows


def _top(qs: QuerySet[Visit], field: str, label: str, empty: Any) -> list[dict[str, Any]]:
    total = qs.count()
    return [
        {label: r[field] or empty, "visits": r["visits"], "share": _ratio(r["visits"], total, 4)}
        for r in qs.values(field).annotate(visits=Count("pk")).order_by("-visits", field)[:TOP]
    ]


def funnel(qs: QuerySet[Visit]) -> list[dict[str, Any]]:
    counts = qs.aggregate(
        viewed=Count("pk", filter=Q(product_views__gt=0)),
        added=Count("pk", filter=Q(cart_adds__gt=0)),
        checkout=Count("pk", filter=Q(checkouts__gt=0)),
        ordered=Count("pk", filter=Q(orders__gt=0)),
    )
    steps = [
        (_("Viewed a product"), counts["viewed"]),
        (_("Added to cart"), counts["added"]),
        (_("Reached checkout"), counts["checkout"]),
        (_("Ordered"), counts["ordered"]),
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
    periods = by_period(qs, filters.grain)
    devices = dict(Device.choices)
    device_rows = _top(qs, "device", "device", "—")
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
                funnel(qs),
            ),
            Table(
                str(_("Entry pages")),
                [("entry", _("Entry page")), *share],
                _top(qs, "entry_path", "entry", "—"),
            ),
            Table(
                str(_("Referrers")),
                [("referrer", _("Referrer")), *share],
                _top(qs, "referrer", "referrer", _("(direct)")),
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
