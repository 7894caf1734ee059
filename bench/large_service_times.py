"""Service time of cache-missing listing and search requests on the large catalogue, in one
process (Django test client, no server, no queue): what one request costs on its own.

    DATABASE_URL=postgres://…/rapport_large .venv/bin/python bench/large_service_times.py DATA_DIR
        [--n 300] [--seed 1] [--only category|search]

DATA_DIR is the `load_bench_catalogue --export` directory after `bench/large_pools.py` (it reads
listings.txt and searches.txt). The cache is the settings' (local memory without REDIS_URL, as
in one gunicorn worker): URLs drawn at random from the pools mostly miss it, as under the load
benchmark; `--dummy-cache` makes every request miss every cache. Prints p50/p90/p99/max per pool,
the mean time spent in SQL and the number of queries per request.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def backend_cpu(connection: Any) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only):
    unlike wall-clock time, it hardly depends on what else the machine is doing."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["category", "search"])
    parser.add_argument(
        "--dummy-cache",
        action="store_true",
        help="no cache at all (default: local memory, "
        "as one gunicorn worker has; the pools mostly miss it)",
    )
    parser.add_argument("--slow", type=float, default=0, help="print URLs slower than this (ms)")
    args = parser.parse_args()

    import django
    from django.conf import settings

    if args.dummy_cache:
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
    connection.ensure_connection()
    for name, urls in pools.items():
        if args.only and name != args.only:
            continue
        for url in rng.sample(urls, 10):  # warm-up: connection, templates, URL resolver
            client.get(url)
        times, queries, sql = [], [], []
        cpu_start, pg_start = time.process_time(), backend_cpu(connection)
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
        cpu = (time.process_time() - cpu_start) * 1000 / args.n
        pg = (backend_cpu(connection) - pg_start) * 1000 / args.n
        print(
            f"{name}: n={args.n} p50 {quantile(times, 0.5):.1f} p90 {quantile(times, 0.9):.1f} "
            f"p99 {quantile(times, 0.99):.1f} max {max(times):.1f} ms; mean "
            f"{statistics.fmean(times):.1f} ms (SQL {statistics.fmean(sql):.1f}); "
            f"queries/request {min(queries)}-{max(queries)}; CPU per request: "
            f"Django {cpu:.1f} ms + PostgreSQL backend {pg:.1f} ms"
        )


if __name__ == "__main__":
    main()
