"""The site traffic view: visits and page views over time, entry pages, referrers, devices, the
funnel product view → add to cart → checkout → order with the drop-off at each step, and the
live visits (last 30 minutes) with their purchase-intent score. Reads the daily rollups
(`VisitDay`, `VisitTopDay`, see rollups.py) and, for the live visits, `Visit`."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.analytics.reports import Filters, ReportData, Table, _ratio
from rapport.traffic.intent import INVITE_THRESHOLD
from rapport.traffic.models import Device, TrafficSource, Visit, VisitDay, VisitTopDay

TOP = 20
LIVE_WINDOW = datetime.timedelta(minutes=30)


def _days(filters: Filters, model: Any) -> QuerySet[Any]:
    """Rollup rows of the period's days (UTC) and the chosen source."""
    qs = model.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.source:
        qs = qs.filter(source=filters.source)
    return qs.order_by()


TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
FUNNEL = ("viewed", "added", "checkout", "ordered")


def period_counts(filters: Filters) -> list[dict[str, Any]]:
    """Per period: visits, page views, bounces and the visits reaching each funnel step (one
    read of the daily rollup serves the period table, the funnel and the totals)."""
    rows = (
        _days(filters, VisitDay)
        .annotate(p=TRUNC[filters.grain]("day"))
        .values("p")
        .annotate(
            n=Sum("visits"),
            views=Sum("page_views"),
            bounced=Sum("bounces"),
            **{f"{step}_n": Sum(step) for step in FUNNEL},
        )
        .order_by("p")
    )
    return [
        {
            "p": r["p"],
            "visits": r["n"] or 0,
            "page_views": r["views"] or 0,
            "bounces": r["bounced"] or 0,
            **{step: r[f"{step}_n"] or 0 for step in FUNNEL},
        }
        for r in rows
    ]


def by_period(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "period": r["p"],
            "visits": r["visits"],
            "views": r["page_views"] or 0,
            "pages_per_visit": _ratio(r["page_views"], r["visits"]),
            "bounce_rate": _ratio(r["bounces"], r["visits"], 4),
        }
        for r in counts
    ]


def top_counts(filters: Filters) -> dict[str, list[tuple[str, int]]]:
    """Visits per entry page, per referrer and per device, most first (then by value), the
    first `TOP` of each, summed from the daily rollup."""
    found: dict[str, list[tuple[str, int]]] = {d: [] for d in VisitTopDay.Dimension.values}
    for dimension, value, n in (
        _days(filters, VisitTopDay).values_list("dimension", "value").annotate(n=Sum("visits"))
    ):
        found[dimension].append((value, n))
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
    counts = period_counts(filters)
    periods = by_period(counts)
    total = sum(r["visits"] for r in counts)
    tops = top_counts(filters)
    devices = dict(Device.choices)
    device_rows = _top(tops[VisitTopDay.Dimension.DEVICE], total, "device", "—")
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
                _top(tops[VisitTopDay.Dimension.ENTRY], total, "entry", "—"),
            ),
            Table(
                str(_("Referrers")),
                [("referrer", _("Referrer")), *share],
                _top(tops[VisitTopDay.Dimension.REFERRER], total, "referrer", _("(direct)")),
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
