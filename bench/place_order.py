"""Time `checkout.services.place_order` for a cart of LINES lines, N times (p50/p95/p99/max).

Not part of the test suite. Runs against the database in DATABASE_URL (or the SQLite file under
RAPPORT_VAR_DIR), which it migrates; it adds its own customer, address and LINES stocked products
(SKU prefix "PO-BENCH-") and leaves them there, so use a scratch database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_po .venv/bin/python bench/place_order.py
    RAPPORT_VAR_DIR=/tmp/po-sqlite .venv/bin/python bench/place_order.py --runs 200

Each run fills a fresh cart (not timed) and places it with cash on delivery, the way a request
does: `request_started`, one `place_order` call in autocommit mode, `request_finished` (what the
WSGI server fires once the response has been sent). Three intervals are timed per run:

- transaction: from the call to the end of COMMIT (an on-commit hook registered first stamps it);
- request: from the call until the view could return, i.e. the transaction plus every on-commit
  hook (whatever runs there delays the customer's response);
- after response: the `request_finished` receivers (work the server process does after the
  customer has the response; nothing before the outbox, the eager-mode mail send after it).

The confirmation email goes to EMAIL_HOST:EMAIL_PORT: run a catcher there
(`.venv/bin/python -m aiosmtpd -n -l 127.0.0.1:8731`, then EMAIL_PORT=8731). With REDIS_URL
set, run a Celery worker against the same database and settings; the script then waits for the
outbox to send the confirmations and prints how long after the order each one went out.

Each interval is also given in CPU time of the benchmark's thread (`time.thread_time`), which a
busy machine disturbs far less than wall-clock time (the database server's own work is not in
it). Django's per-request `close_old_connections` is disconnected (as the test client does) so a
PostgreSQL reconnect is not counted in every run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[min(len(sorted_values), rank) - 1]


def summary(label: str, values: list[float], unit: str = "ms") -> str:
    values = sorted(values)
    return (
        f"  {label:<15} p50 {percentile(values, 0.50):7.1f}  p95 {percentile(values, 0.95):7.1f}"
        f"  p99 {percentile(values, 0.99):7.1f}  max {values[-1]:7.1f} {unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait for the outbox to send (Redis)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection, transaction

    call_command("migrate", verbosity=0)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    from rapport.accounts.models import User
    from rapport.cart.models import Cart, CartLine
    from rapport.catalog.models import Category, Product
    from rapport.checkout.models import Address
    from rapport.checkout.services import place_order
    from rapport.customers.models import Customer
    from rapport.inventory.models import StockRecord
    from rapport.messaging.models import Message

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

    first_message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    in_transaction, in_request, after_response = [], [], []
    cpu_transaction, cpu_request, cpu_after = [], [], []
    for run in range(args.warmup + args.runs):
        cart = Cart.objects.create(user=user)
        CartLine.objects.bulk_create(
            CartLine(cart=cart, product=p, quantity=1 + n % 3, price_seen=p.price)
            for n, p in enumerate(products)
        )
        committed: list[tuple[float, float]] = []
        request_started.send(sender=None, environ={})
        start, cpu_start = time.perf_counter(), time.thread_time()
        with transaction.atomic():
            # Registered before place_order's own hooks, so it runs first, right after COMMIT.
            transaction.on_commit(
                lambda stamps=committed: stamps.append((time.perf_counter(), time.thread_time()))
            )
            place_order(
                cart=cart,
                customer=customer,
                address=address,
                shipping_method="standard",
                payment_method="cod",
                idempotency_key=uuid.uuid4().hex,
                actor=user,
            )
        responded, cpu_responded = time.perf_counter(), time.thread_time()
        request_finished.send(sender=None)
        finished, cpu_finished = time.perf_counter(), time.thread_time()
        if run >= args.warmup:
            in_transaction.append((committed[0][0] - start) * 1000)
            in_request.append((responded - start) * 1000)
            after_response.append((finished - responded) * 1000)
            cpu_transaction.append((committed[0][1] - cpu_start) * 1000)
            cpu_request.append((cpu_responded - cpu_start) * 1000)
            cpu_after.append((cpu_finished - cpu_responded) * 1000)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"place_order, {args.lines}-line cart, {connection.vendor}, {args.runs} runs "
        f"(+{args.warmup} warm-up), broker {'redis' if settings.REDIS_URL else 'none (eager)'}, "
        f"load average {load}"
    )
    print(summary("transaction", in_transaction))
    print(summary("request", in_request))
    print(summary("after response", after_response))
    print("  CPU time of this thread:")
    print(summary("transaction", cpu_transaction))
    print(summary("request", cpu_request))
    print(summary("after response", cpu_after))

    confirmations = Message.objects.filter(pk__gt=first_message, to_address=user.email)
    expected = args.warmup + args.runs
    if confirmations.exists():
        deadline = time.monotonic() + args.wait
        while confirmations.filter(sent_at__isnull=False).count() < expected:
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        lags = [
            (sent - created).total_seconds() * 1000
            for created, sent in confirmations.filter(sent_at__isnull=False).values_list(
                "created_at", "sent_at"
            )
        ]
        print(f"  confirmations in the outbox: {confirmations.count()}, sent: {len(lags)}")
        if lags:
            print(summary("queued → sent", lags))
    print(f"  load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
