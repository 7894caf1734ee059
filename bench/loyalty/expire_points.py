"""Nightly points expiry for many customers (issue 17 goal: the points ledger for 100,000
customers in at most 60 s).

Run on a throw-away PostgreSQL database (it creates rows and never cleans them up):

    createdb rapport_bench_loyalty
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_loyalty \
        .venv/bin/python manage.py migrate --no-input
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_loyalty DEBUG=1 \
        .venv/bin/python bench/loyalty/expire_points.py --customers 100000

Each customer gets a points account with a lot past its date, a lot still valid and (one in
three) points already spent; then times `expire_points()` twice (every account due, then
nothing left to expire) and prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from rapport.customers.models import Customer  # noqa: E402
from rapport.loyalty.models import PointsAccount, PointsEntry  # noqa: E402
from rapport.loyalty.models import PointsEntryKind as K  # noqa: E402
from rapport.loyalty.services import expire_points  # noqa: E402


def populate(n: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    tag = f"bench{int(time.time())}"
    today = timezone.localdate()
    customers = Customer.objects.bulk_create(
        [Customer(name=f"Bench {i}", source=tag, external_id=str(i)) for i in range(n)],
        batch_size=5000,
    )
    plans = []
    for _c in customers:
        old = rng.randint(50, 500)
        spent = rng.randint(1, old) if rng.random() < 1 / 3 else 0
        plans.append((old, spent))
    accounts = PointsAccount.objects.bulk_create(
        [
            PointsAccount(customer=c, balance=old + 10 - spent)
            for c, (old, spent) in zip(customers, plans, strict=True)
        ],
        batch_size=5000,
    )
    entries = []
    for a, (old, spent) in zip(accounts, plans, strict=True):
        past = today - datetime.timedelta(days=rng.randint(1, 30))
        entries.append(
            PointsEntry(account=a, kind=K.EARNED, points=old, balance_after=old, expires_on=past)
        )
        entries.append(
            PointsEntry(
                account=a,
                kind=K.EARNED,
                points=10,
                balance_after=old + 10,
                expires_on=today + datetime.timedelta(days=200),
            )
        )
        if spent:
            entries.append(
                PointsEntry(
                    account=a, kind=K.REDEEMED, points=-spent, balance_after=old + 10 - spent
                )
            )
    PointsEntry.objects.bulk_create(entries, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    start = time.perf_counter()
    populate(args.customers)
    built = time.perf_counter() - start
    start = time.perf_counter()
    first = expire_points()
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    second = expire_points()
    second_s = time.perf_counter() - start
    print(
        json.dumps(
            {
                "customers": args.customers,
                "populate_s": round(built, 1),
                "expire_all_due_s": round(first_s, 1),
                "points_expired": first,
                "expire_again_s": round(second_s, 1),
                "points_expired_again": second,
            }
        )
    )


if __name__ == "__main__":
    main()
