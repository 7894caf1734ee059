"""Time every manager report through its real view on the million-order database (issue 19).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_1m \\
    REDIS_URL=redis://127.0.0.1:6379/3 DEBUG=1 \\
        .venv/bin/python bench/analytics/report_requests.py [--requests 24]

Data: `bench/analytics/build_1m.sh`. A manager (created once, second factor bound to the
session as the staff entrance does) requests each report page with the Django test client —
URL routing, middleware, the view, the report's queries and the template, as a browser's request
would, without the network. Each report gets `--requests` timed requests, spread round-robin
over its filter variants: the defaults (no parameters: the 90 days up to the latest sale), a
country, a segment, a category, and a long period (the whole 13 months by month); each
variant is requested once first, not timed (the filter choices are cached for five minutes in
production too). The risk queue: held orders (its default) and the approved ones.

Prints wall p50/p95/max per report and per variant, the process's CPU time per request (the
database's own CPU is not in it), the wall time spent waiting on SQL per request, the row counts
read and the load average. With `--explain`, each variant's queries are then run once more under
`EXPLAIN (ANALYZE)` and PostgreSQL's own execution time summed (what the database spends,
less disturbed by the other processes' load than wall time). About 2-3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from rapport.accounts.roles import MANAGER  # noqa: E402
from rapport.catalog.models import Category  # noqa: E402
from rapport.core.testing import login_staff  # noqa: E402
from rapport.segments.models import Segment  # noqa: E402

LONG = {"start": "2010-12-01", "end": "2011-12-31", "grain": "month"}
EMAIL = "bench-manager@example.com"


def _manager() -> object:
    user = get_user_model().objects.filter(email=EMAIL).first()
    if user is None:
        user = get_user_model().objects.create_user(email=EMAIL, password=None, is_staff=True)
    group, _created = Group.objects.get_or_create(name=MANAGER)
    user.groups.add(group)
    return user


def _variants() -> dict[str, list[tuple[str, dict[str, str]]]]:
    category = (
        Category.objects.filter(parent__isnull=True)
        .order_by("pk")
        .values_list("pk", "name")
        .first()
    )
    segment = Segment.objects.order_by("name").values_list("public_id", "name").first()
    cat = [(f"category {category[1]}", {**LONG, "grain": "week", "category": str(category[0])})]
    seg = [(f"segment {segment[1]}", {"segment": str(segment[0])})] if segment else []
    country = [("country Germany", {"country": "Germany"})]
    default = [("defaults", {})]
    long = [("13 months by month", LONG)]
    france = {**LONG, "grain": "week", "country": "France"}
    site = {**LONG, "grain": "day", "source": "site"}
    return {
        "transactions": [*default, *country, *long, ("France, 13 months by week", france)],
        "trends": default + country + cat + long,
        "tendencies": default + country + cat + long,
        "identity": default + country + seg + long,
        "heavy_customers": default + country + seg,
        "traffic": [*default, *long, ("source: this site, by day", site)],
        "risk_queue": [*default, ("approved", {"status": "approved"})],
    }  # fmt: skip


def _url(code: str, params: dict[str, str]) -> str:
    base = (
        reverse("portal:risk_queue")
        if code == "risk_queue"
        else reverse("portal:report", args=[code])
    )
    return f"{base}?{urlencode(params)}" if params else base


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return handle.read().split()[0]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


class SqlClock:
    """Wall time spent in `cursor.execute` (the database's answer as this process sees it)."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += 1000 * (time.perf_counter() - t)


def explained_ms(client: Client, url: str) -> tuple[float, int]:
    """PostgreSQL's execution time (EXPLAIN ANALYZE) summed over the request's SELECTs."""
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    total, n = 0.0, 0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total += plan[0]["Execution Time"] + plan[0].get("Planning Time", 0.0)
            n += 1
    return total, n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=24, help="timed requests per report")
    parser.add_argument("--only", default="", help="comma-separated report codes")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each variant")
    args = parser.parse_args()
    with connection.cursor() as cursor:
        for table in (
            "orders_order", "orders_orderline", "customers_customer", "analytics_productday",
            "analytics_customermonth", "traffic_visit", "risk_riskassessment",
        ):  # fmt: skip
            cursor.execute(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")  # noqa: S608
            print(f"{table}: ~{cursor.fetchone()[0]:,} rows")
    client = Client()
    login_staff(client, _manager())
    cache.clear()
    variants = _variants()
    only = {c for c in args.only.split(",") if c}
    started_all, cpu_all = time.perf_counter(), time.process_time()
    print(f"load average at start: {_load()}")
    for code, cases in variants.items():
        if only and code not in only:
            continue
        for label, params in cases:  # one untimed request per variant (cold)
            t = time.perf_counter()
            response = client.get(_url(code, params))
            assert response.status_code == 200, (code, label, response.status_code)
            print(f"  {code} {label}: cold {1000 * (time.perf_counter() - t):.0f} ms")
        walls: dict[str, list[float]] = {label: [] for label, _p in cases}
        cpus: list[float] = []
        sqls: list[float] = []
        for i in range(args.requests):
            label, params = cases[i % len(cases)]
            clock = SqlClock()
            t, c = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(clock):
                response = client.get(_url(code, params))
            walls[label].append(1000 * (time.perf_counter() - t))
            cpus.append(1000 * (time.process_time() - c))
            sqls.append(clock.ms)
            assert response.status_code == 200
        every = [w for ws in walls.values() for w in ws]
        print(
            f"{code:16s} n={len(every)} wall p50 {statistics.median(every):6.0f} ms  "
            f"p95 {_p95(every):6.0f} ms  max {max(every):6.0f} ms  "
            f"CPU p50 {statistics.median(cpus):5.0f} ms  "
            f"SQL wait p50 {statistics.median(sqls):5.0f} ms  "
            f"(load {_load()})"
        )
        for label, ws in walls.items():
            print(f"    {label:34s} p50 {statistics.median(ws):6.0f} ms  max {max(ws):6.0f} ms")
        if args.explain:
            for label, params in cases:
                ms, n = explained_ms(client, _url(code, params))
                print(f"    {label:34s} EXPLAIN ANALYZE: {n} SELECTs, {ms:6.0f} ms in PostgreSQL")
    print(
        f"total wall {time.perf_counter() - started_all:.0f} s, "
        f"CPU {time.process_time() - cpu_all:.0f} s, "
        f"load average at end: {_load()}"
    )


if __name__ == "__main__":
    main()
