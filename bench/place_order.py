"""Time `checkout.services.place_order` for a cart of LINES lines, N times (p50/p95/max).

Not part of the test suite. Runs against the database in DATABASE_URL (or the SQLite file under
RAPPORT_VAR_DIR), which it migrates; it adds its own customer, address and LINES stocked products
(SKU prefix "PO-BENCH-") and leaves them there, so use a scratch database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_po .venv/bin/python bench/place_order.py
    RAPPORT_VAR_DIR=/tmp/po-sqlite .venv/bin/python bench/place_order.py --runs 200

Each run fills a fresh cart (not timed) and times one `place_order` call with cash on delivery
in autocommit mode: the whole transaction, its commit and the on-commit confirmation email
(queued in the outbox; the outbox worker does not run here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--without-confirmation",
        action="store_true",
        help="replace the on-commit confirmation (PDF receipt + email) by a no-op",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from rapport.accounts.models import User
    from rapport.cart.models import Cart, CartLine
    from rapport.catalog.models import Category, Product
    from rapport.checkout.models import Address
    from rapport.checkout.services import place_order
    from rapport.customers.models import Customer
    from rapport.inventory.models import StockRecord

    if args.without_confirmation:
        from rapport.checkout import services

        services._send_confirmation = lambda order_id: None  # type: ignore[assignment]

    user = User.objects.filter(email="po-bench@example.com").first()
    if user is None:
        user = User.objects.create_user(email="po-bench@example.com", password=uuid.uuid4().hex)
    customer, _ = Customer.objects.get_or_create(
        user=user, defaults={"email": user.email, "name": "Bench Buyer"}
    )
    address = Address.objects.filter(customer=customer).first() or Address.objects.create(
        customer=customer,
        name="Bench Buyer",
        line1="1 High Street",
        city="London",
        postal_code="E1 6AN",
        country="United Kingdom",
    )
    category, _ = Category.objects.get_or_create(slug="po-bench", defaults={"name": "Order bench"})
    products = []
    for i in range(args.lines):
        product, _created = Product.objects.get_or_create(
            sku=f"PO-BENCH-{i:03d}",
            defaults={
                "name": f"Order bench item {i}",
                "slug": f"order-bench-item-{i}",
                "category": category,
                "price": Decimal("9.99") + i,
            },
        )
        StockRecord.objects.update_or_create(product=product, defaults={"quantity": 10_000_000})
        products.append(product)

    timings = []
    for run in range(args.warmup + args.runs):
        cart = Cart.objects.create(user=user)
        CartLine.objects.bulk_create(
            CartLine(cart=cart, product=p, quantity=1 + n % 3, price_seen=p.price)
            for n, p in enumerate(products)
        )
        start = time.perf_counter()
        place_order(
            cart=cart,
            customer=customer,
            address=address,
            shipping_method="standard",
            payment_method="cod",
            idempotency_key=uuid.uuid4().hex,
            actor=user,
        )
        elapsed = (time.perf_counter() - start) * 1000
        if run >= args.warmup:
            timings.append(elapsed)

    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(
        f"place_order, {args.lines}-line cart, {connection.vendor}, {args.runs} runs "
        f"{'without' if args.without_confirmation else 'with'} confirmation email "
        f"(+{args.warmup} warm-up): p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
