"""Nightly points expiry for many customers (issue 17 goal: the points ledger for 100,000
customers in at most 60 s).

Run on a throw-away PostgreSQL database (it empties the loyalty tables and refills them):

    createdb rapport_bench_loyalty
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_loyalty \
        .venv/bin/python manage.py migrate --no-input
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_loyalty DEBUG=1 \
        .venv/bin/python bench/loyalty/expire_points.py --customers 100000

Uses the first `--customers` customers already in the database (it creates the missing ones,
so the credit-refresh bench's database serves too), then gives each a points account with a
lot past its date, a lot still valid and (one in three, seeded) points already spent, written
with a few `INSERT … SELECT` statements. Then times `expire_points()` twice (every account due,
then nothing left to expire), checks that every balance still equals the sum of its ledger, and
prints one JSON object with wall time, this process's CPU, the PostgreSQL backend's CPU and the
load average. Every run rebuilds the points, so it can be rerun as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.core.sql import table  # noqa: E402
from rapport.customers.models import Customer  # noqa: E402
from rapport.loyalty.models import PointsAccount, PointsEntry  # noqa: E402
from rapport.loyalty.services import expire_points  # noqa: E402


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def populate(n: int) -> int:
    missing = n - Customer.objects.count()
    if missing > 0:
        tag = f"bench{int(time.time())}"
        Customer.objects.bulk_create(
            [Customer(name=f"Bench {i}", source=tag, external_id=str(i)) for i in range(missing)],
            batch_size=5000,
        )
    accounts, entries = table(PointsAccount), table(PointsEntry)
    customers = table(Customer)
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {entries}, {accounts} RESTART IDENTITY")
        cursor.execute("SELECT setseed(0.17)")
        cursor.execute(
            f"""
            CREATE TEMP TABLE plan AS
            SELECT c.id AS customer_id, p.old,
                   CASE WHEN random() < 1.0 / 3 THEN 1 + floor(random() * p.old)::int
                        ELSE 0 END AS spent,
                   1 + floor(random() * 30)::int AS days_past
            FROM (SELECT id FROM {customers} ORDER BY id LIMIT %s) c
            CROSS JOIN LATERAL (SELECT 50 + floor(random() * 451)::int + 0 * c.id AS old) p

            ORDER BY c.id
            """,  # noqa: S608
            [n],
        )
        cursor.execute(
            f"""
            INSERT INTO {accounts} (customer_id, balance, created_at, updated_at)
            SELECT customer_id, old + 10 - spent, now(), now() FROM plan ORDER BY customer_id
            """  # noqa: S608
        )
        for kind, points, balance_after, expires_on, only in (
            ("earned", "p.old", "p.old", "%(today)s::date - p.days_past", ""),
            ("earned", "10", "p.old + 10", "%(today)s::date + 200", ""),
            ("redeemed", "-p.spent", "p.old + 10 - p.spent", "NULL", "AND p.spent > 0"),
        ):
            cursor.execute(
                f"""
                INSERT INTO {entries}
                    (account_id, kind, points, balance_after, expires_on, created_at)
                SELECT a.id, '{kind}', {points}, {balance_after}, {expires_on}, now()
                FROM plan p JOIN {accounts} a ON a.customer_id = p.customer_id
                WHERE TRUE {only}
                ORDER BY a.id
                """,  # noqa: S608
                {"today": today},
            )
        cursor.execute("DROP TABLE plan")
        cursor.execute(f"ANALYZE {entries}")
        cursor.execute(f"ANALYZE {accounts}")
    return PointsEntry.objects.count()


def mismatched_balances() -> int:
    accounts, entries = table(PointsAccount), table(PointsEntry)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FROM {accounts} a
            LEFT JOIN (SELECT account_id, sum(points) AS s FROM {entries} GROUP BY account_id) e
                ON e.account_id = a.id
            WHERE a.balance <> coalesce(e.s, 0) OR a.balance < 0
            """  # noqa: S608
        )
        return int(cursor.fetchone()[0])


def timed(fn) -> tuple[object, dict]:
    load_before, wall, cpu, db = load(), time.perf_counter(), time.process_time(), backend_cpu()
    result = fn()
    return result, {
        "wall_s": round(time.perf_counter() - wall, 1),
        "python_cpu_s": round(time.process_time() - cpu, 1),
        "postgres_cpu_s": round(backend_cpu() - db, 1),
        "load_1min_before": load_before,
        "load_1min_after": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on a throw-away PostgreSQL database (DATABASE_URL).")
    rows, built = timed(lambda: populate(args.customers))
    first, first_t = timed(expire_points)
    second, second_t = timed(expire_points)
    print(
        json.dumps(
            {
                "customers": args.customers,
                "ledger_rows_before": rows,
                "populate": built,
                "expire_all_due": {**first_t, "points_expired": first},
                "expire_again": {**second_t, "points_expired": second},
                "expiry_entries": PointsEntry.objects.filter(kind="expired").count(),
                "balances_not_equal_to_ledger": mismatched_balances(),
            }
        )
    )


if __name__ == "__main__":
    main()
