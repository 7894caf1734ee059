"""Time every report (the query + building its tables, as the page does) on a big database.

    DATABASE_URL=postgres://…/rapport_reports DEBUG=1 \
        .venv/bin/python bench/analytics/report_times.py

Each report runs with several filter sets (whole year by month, a quarter by week, one country,
one channel, one category; 90 days by day; site traffic: the demo clickstream's five months by
day, week and month), 5 times each after one warm-up; prints p50/p95/max
per report in milliseconds and the row counts of the rollups and orders.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.cache import cache  # noqa: E402

from rapport.analytics.models import (  # noqa: E402
    BasketSizeDay,
    CategoryDay,
    CustomerMonth,
    OrderHourDay,
    ProductDay,
    SalesDay,
)
from rapport.analytics.queries import filter_choices  # noqa: E402
from rapport.analytics.reports import REPORTS, parse_filters  # noqa: E402
from rapport.catalog.models import Category  # noqa: E402
from rapport.orders.models import Order  # noqa: E402

FILTERS = [
    {"start": "2010-11-01", "end": "2011-12-31", "grain": "month"},
    {"start": "2011-09-01", "end": "2011-11-30", "grain": "week"},
    {"start": "2011-09-01", "end": "2011-11-30", "grain": "day"},
    {"start": "2010-11-01", "end": "2011-12-31", "grain": "week", "country": "France"},
    {"start": "2010-11-01", "end": "2011-12-31", "grain": "month", "channel": "online_retail"},
]

# The demo traffic (`import_clickstream`) is April-August 2008.
TRAFFIC_FILTERS = [
    {"start": "2008-04-01", "end": "2008-08-31", "grain": grain}
    for grain in ("day", "week", "month")
] + [{"start": "2008-04-01", "end": "2008-08-31", "grain": "week", "source": "clickstream"}]


def main() -> None:
    category = Category.objects.filter(parent__isnull=True).order_by("pk").first()
    if category is not None:
        FILTERS.append(
            {
                "start": "2010-11-01",
                "end": "2011-12-31",
                "grain": "week",
                "category": str(category.pk),
            }
        )
    print(f"orders {Order.objects.count():,}")
    for model in (SalesDay, ProductDay, CategoryDay, OrderHourDay, BasketSizeDay, CustomerMonth):
        print(f"  {model.__name__} rows {model.objects.count():,}")
    cache.clear()
    started = time.perf_counter()
    filter_choices()
    print(
        f"filter choices (cold, then cached 5 min): {1000 * (time.perf_counter() - started):.0f} ms"
    )
    for code, spec in REPORTS.items():
        times: list[float] = []
        for params in TRAFFIC_FILTERS if code == "traffic" else FILTERS:
            filters = parse_filters(params)
            spec.build(filters)  # warm-up
            for _ in range(5):
                t = time.perf_counter()
                spec.build(filters)
                times.append(1000 * (time.perf_counter() - t))
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"{code:16s} n={len(times)} p50 {statistics.median(times):7.1f} ms  "
            f"p95 {p95:7.1f} ms  max {times[-1]:7.1f} ms"
        )


if __name__ == "__main__":
    main()
