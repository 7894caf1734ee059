"""Rating refresh for many customers (issue 17 goal: 100,000 customers in at most 60 s).

Run on a throw-away PostgreSQL database (it creates rows and never cleans them up):

    createdb rapport_bench_credit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_credit \
        .venv/bin/python manage.py migrate --no-input
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_credit DEBUG=1 \
        .venv/bin/python bench/credit/refresh_ratings.py --customers 100000
    # later runs: keep the customers and orders, drop the ratings and credit accounts
    ... bench/credit/refresh_ratings.py --customers 100000 --reuse

Creates the customers (three orders each on average, a verified email for half, an open
credit-terms invoice for 2 %, one in ten of those overdue), then times three refreshes: the
first (every rating created), a second with nothing changed, a third after 1 % of the
customers got a cancelled order and a fourth after a weight of the policy changed (every
rating rewritten). Prints one JSON object with wall time, this process's CPU, the PostgreSQL
backend's CPU and the load average of each.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.credit.models import CreditRating, Invoice  # noqa: E402
from rapport.credit.services import get_policy, refresh_ratings, update_policy  # noqa: E402
from rapport.customers.models import ContactKind, ContactPoint, ContactStatus, Customer  # noqa: E402
from rapport.orders.models import Order, OrderStatus  # noqa: E402
from rapport.payments.models import CreditAccount, Payment, PaymentStatus  # noqa: E402


def populate(n: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    tag = f"bench{int(time.time())}"
    customers = Customer.objects.bulk_create(
        [Customer(name=f"Bench {i}", source=tag, external_id=str(i)) for i in range(n)],
        batch_size=5000,
    )
    statuses = [OrderStatus.DELIVERED] * 8 + [OrderStatus.CANCELLED, OrderStatus.RETURNED]
    orders = []
    for c in customers:
        for j in range(rng.randint(0, 6)):
            orders.append(
                Order(
                    number=f"{tag}-{c.pk}-{j}",
                    customer=c,
                    currency="GBP",
                    subtotal=Decimal("40.00"),
                    total=Decimal("40.00"),
                    placed_at=now - datetime.timedelta(days=rng.randint(1, 700)),
                    status=rng.choice(statuses),
                    payment_method=rng.choice(["card", "cod", "wallet"]),
                )
            )
    Order.objects.bulk_create(orders, batch_size=5000)
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(
                customer=c,
                kind=ContactKind.EMAIL,
                value=f"{c.pk}@example.com",
                status=ContactStatus.VALID,
            )
            for c in customers[::2]
        ],
        batch_size=5000,
    )
    credit_orders = [o for o in orders[:: max(1, len(orders) // max(1, n // 50))]][: n // 50]
    payments = Payment.objects.bulk_create(
        [
            Payment(
                order=o,
                method="credit_terms",
                amount=o.total,
                currency="GBP",
                status=PaymentStatus.PENDING,
            )
            for o in credit_orders
        ],
        batch_size=5000,
    )
    today = timezone.localdate()
    Invoice.objects.bulk_create(
        [
            Invoice(
                number=f"INV-{o.number}",
                customer_id=o.customer_id,
                order=o,
                payment=p,
                amount=o.total,
                currency="GBP",
                due_on=today + datetime.timedelta(days=-3 if i % 10 == 0 else 14),
            )
            for i, (o, p) in enumerate(zip(credit_orders, payments, strict=True))
        ],
        batch_size=5000,
    )


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(label: str, results: dict) -> None:
    load_before, cpu, db = load(), time.process_time(), backend_cpu()
    started = time.perf_counter()
    counts = refresh_ratings()
    results[label] = {
        "seconds": round(time.perf_counter() - started, 2),
        "python_cpu_s": round(time.process_time() - cpu, 1),
        "postgres_cpu_s": round(backend_cpu() - db, 1),
        "load_1min_before": load_before,
        "load_1min_after": load(),
        **counts,
    }
    print(label, results[label], file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the customers already there; drop ratings"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on a throw-away PostgreSQL database (DATABASE_URL).")
    started = time.perf_counter()
    if args.reuse and Customer.objects.exists():
        CreditRating.objects.all().delete()
        CreditAccount.objects.all().delete()
    else:
        populate(args.customers)
    results: dict = {
        "customers": Customer.objects.count(),
        "orders": Order.objects.count(),
        "invoices": Invoice.objects.count(),
        "populate_seconds": round(time.perf_counter() - started, 1),
    }
    timed("first_refresh", results)
    timed("unchanged_refresh", results)
    changed = list(
        Customer.objects.order_by("?").values_list("pk", flat=True)[: args.customers // 100]
    )
    Order.objects.filter(customer_id__in=changed, status=OrderStatus.DELIVERED).update(
        status=OrderStatus.CANCELLED
    )
    timed("refresh_after_1pct_changed", results)
    # A manager moves a weight: every score changes, so every rating is rewritten (the path a
    # next-day run takes for customers whose tenure component moved).
    policy = get_policy()
    weights = {**policy.weights, "tenure": float(policy.weights.get("tenure", 1)) + 0.5}
    update_policy(weights=weights, thresholds=policy.thresholds, terms=policy.terms, actor=None)
    timed("refresh_after_policy_change", results)
    results["grades"] = {
        g: CreditRating.objects.filter(grade=g).count() for g in ("A", "B", "C", "D", "E")
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
