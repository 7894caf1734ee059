"""Price resolution for a 30-line cart with 5 applicable price lists (issue 17 goal: ≤ 2 ms).

Run on a throw-away PostgreSQL database (it creates rows and never cleans them up):

    createdb rapport_bench_pricing
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_pricing \
        .venv/bin/python manage.py migrate --no-input
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_pricing DEBUG=1 \
        .venv/bin/python bench/pricing/price_resolution.py

Builds 3,000 products and 25 price lists of 600 items each (three quantity tiers per product);
five of them apply to the customer (by name, by two segments, by VIP tier, and one by name
with a date range), the other twenty do not. Times `pricing.queries.prices_for` for a 30-line
cart (the one query and the resolution in Python), as the cart page and `place_order` call it,
and prints one JSON object (median and 95th percentile in milliseconds, and the median of a
bare `SELECT 1` round trip for scale).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.catalog.models import Product  # noqa: E402
from rapport.customers.models import Customer  # noqa: E402
from rapport.customervalue.models import CustomerValue  # noqa: E402
from rapport.pricing.models import PriceList, PriceListCustomer, PriceListItem  # noqa: E402
from rapport.pricing.queries import prices_for  # noqa: E402
from rapport.segments.models import Segment, SegmentMembership  # noqa: E402


def populate(tag: str, rng: random.Random) -> tuple[Customer, list[Product]]:
    products = Product.objects.bulk_create(
        [
            Product(
                sku=f"{tag}-{i}", name=f"Bench {i}", slug=f"bench-{tag}-{i}", price=Decimal("9.99")
            )
            for i in range(3000)
        ]
    )
    customer = Customer.objects.create(name=f"Bench {tag}", email=f"{tag}@example.com")
    CustomerValue.objects.create(customer=customer, tier="important")
    segments = [Segment.objects.create(name=f"{tag} seg {i}", kind="static") for i in range(4)]
    for seg in segments[:2]:
        SegmentMembership.objects.create(segment=seg, customer=customer)
    today = timezone.localdate()
    lists = []
    for i in range(25):
        applies = i < 5
        pl = PriceList.objects.create(
            name=f"{tag} list {i}",
            priority=i % 3,
            vip_tier="important" if i == 0 else ("strategic" if i == 5 else ""),
            segment=segments[i - 1] if i in (1, 2) else (segments[3] if i in (6, 7) else None),
            valid_from=today if i == 4 else None,
            valid_until=today if i == 4 else None,
        )
        if i in (3, 4):
            PriceListCustomer.objects.create(price_list=pl, customer=customer)
        lists.append((pl, applies))
        items = []
        for product in rng.sample(products, 200):
            for min_qty, off in ((1, 5), (10, 10), (100, 20)):
                items.append(
                    PriceListItem(
                        price_list=pl,
                        product=product,
                        min_quantity=min_qty,
                        percent_off=Decimal(off + rng.randint(0, 5)),
                    )
                )
        PriceListItem.objects.bulk_create(items)
    return customer, products


def main() -> None:
    rng = random.Random(17)
    customer, products = populate(f"p{int(time.time())}", rng)
    cart = [(p.pk, p.price, rng.choice((1, 6, 12, 120))) for p in rng.sample(products, 30)]
    for _ in range(20):  # warm up: connection, statement plan
        prices_for(cart, customer_id=customer.pk)
    timings = []
    for _ in range(500):
        start = time.perf_counter()
        prices = prices_for(cart, customer_id=customer.pk)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    # The database round trip on this machine, for scale: the resolution is one statement.
    round_trips = []
    with connection.cursor() as cursor:
        for _ in range(500):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            round_trips.append((time.perf_counter() - start) * 1000)
    print(
        json.dumps(
            {
                "lines": len(cart),
                "lists_applying": 5,
                "lists_total": 25,
                "lines_at_a_list_price": sum(1 for p in prices.values() if p.price_list_id),
                "median_ms": round(statistics.median(timings), 3),
                "p95_ms": round(timings[int(len(timings) * 0.95)], 3),
                "runs": len(timings),
                "select_1_median_ms": round(statistics.median(round_trips), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
