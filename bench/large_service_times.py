"""Service time of cache-missing listing and search requests on the large catalogue, in one
process (Django test client, no server, no queue): what one request costs on its own.

    DATABASE_URL=postgres://…/rapport_large .venv/bin/python bench/large_service_times.py DATA_DIR
        [--n 300] [--seed 1] [--only category|search]

DATA_DIR is the `load_bench_catalogue --export` directory after `bench/large_pools.py` (it reads
listings.txt and searches.txt). Every cache is a dummy cache here, so each request runs its
queries and renders every product card, as a fragment-cache miss does under the load benchmark.
Prints p50/p90/p99/max per pool and the number of SQL queries per request.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["category", "search"])
    parser.add_argument("--slow", type=float, default=0, help="print URLs slower than this (ms)")
    args = parser.parse_args()

    import django
    from django.conf import settings

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client

    pools = {
        "category": (args.data / "listings.txt").read_text().split(),
        "search": (args.data / "searches.txt").read_text().split(),
    }
    rng = random.Random(args.seed)
    client = Client(HTTP_HOST="127.0.0.1")
    connection.force_debug_cursor = True
    for name, urls in pools.items():
        if args.only and name != args.only:
            continue
        for url in rng.sample(urls, 10):  # warm-up: connection, templates, URL resolver
            client.get(url)
        times, queries, sql = [], [], []
        for url in (rng.choice(urls) for _ in range(args.n)):
            reset_queries()
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if args.slow and times[-1] > args.slow:
                print(f"  {times[-1]:.0f} ms {url}")
            assert response.status_code == 200, (url, response.status_code)
            queries.append(len(connection.queries))
            sql.append(sum(float(q["time"]) for q in connection.queries) * 1000)
        print(
            f"{name}: n={args.n} p50 {quantile(times, 0.5):.1f} p90 {quantile(times, 0.9):.1f} "
            f"p99 {quantile(times, 0.99):.1f} max {max(times):.1f} ms; mean "
            f"{statistics.fmean(times):.1f} ms (SQL {statistics.fmean(sql):.1f}); "
            f"queries/request {min(queries)}-{max(queries)}"
        )


if __name__ == "__main__":
    main()
