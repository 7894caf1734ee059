"""Daily traffic rollups the traffic view reads (`VisitDay`, `VisitTopDay`), recomputed whole
days at a time from the visits: after every write of queued events (`log.record`, for the days
of the visits it touched, in the same transaction), after the demo clickstream is loaded, and
for every day with `manage.py refresh_traffic_rollups --all`. See docs/traffic.md."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from rapport.traffic.models import Visit, VisitDay, VisitTopDay

UTC = datetime.UTC
LOCK = 1_946_019  # the advisory lock that lets one refresh at a time write the traffic rollups
TOPS = {
    VisitTopDay.Dimension.ENTRY: "entry_path",
    VisitTopDay.Dimension.REFERRER: "referrer",
    VisitTopDay.Dimension.DEVICE: "device",
}


def _lock() -> None:
    """Serialise refreshes (two flushes at once would both insert a day's rows); SQLite
    serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])


def refresh_visit_days(days: Iterable[datetime.date]) -> int:
    """Recompute the rollup rows of `days` (UTC) from the visits started on them."""
    wanted = sorted(set(days))
    for day in wanted:
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC)
        visits = Visit.objects.filter(
            started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1)
        ).order_by()
        with transaction.atomic():
            _lock()
            VisitDay.objects.filter(day=day).delete()
            VisitTopDay.objects.filter(day=day).delete()
            VisitDay.objects.bulk_create(
                VisitDay(day=day, **r)
                for r in visits.values("source").annotate(
                    visits=Count("pk"),
                    page_views=Sum("pages"),
                    bounces=Count("pk", filter=Q(pages__lte=1)),
                    viewed=Count("pk", filter=Q(product_views__gt=0)),
                    added=Count("pk", filter=Q(cart_adds__gt=0)),
                    checkout=Count("pk", filter=Q(checkouts__gt=0)),
                    ordered=Count("pk", filter=Q(orders__gt=0)),
                )
            )
            VisitTopDay.objects.bulk_create(
                (
                    VisitTopDay(day=day, source=source, dimension=dimension, value=value, visits=n)
                    for dimension, field in TOPS.items()
                    for source, value, n in visits.values_list("source", field).annotate(
                        n=Count("pk")
                    )
                ),
                batch_size=5000,
            )
    return len(wanted)


def rebuild_visit_days() -> int:
    """Recompute every day that has visits (and drop the rows of days that have none)."""
    days = set(
        Visit.objects.annotate(day=TruncDate("started_at", tzinfo=UTC))
        .values_list("day", flat=True)
        .distinct()
        .order_by()
    )
    with transaction.atomic():
        _lock()
        VisitDay.objects.exclude(day__in=days).delete()
        VisitTopDay.objects.exclude(day__in=days).delete()
    return refresh_visit_days(days)
