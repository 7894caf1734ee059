"""The portal home (the day's tasks) for an employee with many open items, in process.

Fills a scratch database with OPEN_ITEMS open items for one employee — tickets assigned to
them, notes and mentions for them, follow-ups they scheduled, customer chats waiting for them,
orders to pack and ship, returns — plus BACKGROUND_ORDERS delivered orders, then requests the
page through Django's test client (full middleware, a verified staff session) and reports
p50/p95/p99 and the query count. One JSON object on stdout.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/workspace_page.py --items 500
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--background-orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from rapport.accounts.models import User
    from rapport.aftersales.models import Coverage, ServiceTicket
    from rapport.chat.models import Room, RoomKind, RoomStatus
    from rapport.core.testing import login_staff
    from rapport.customers.models import Customer
    from rapport.orders.models import Order, OrderStatus
    from rapport.workspace.models import Note

    stamp = f"{time.time():.0f}"
    user = User.objects.create_user(email=f"bench-{stamp}@staff.example.com", password="x" * 20)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get_or_create(name="Employee")[0])
    customer = Customer.objects.create(name="Bench Customer", email=f"c-{stamp}@example.com")
    now = timezone.now()
    share = args.items // 5
    ServiceTicket.objects.bulk_create(
        ServiceTicket(
            number=f"B{stamp}-{i}",
            customer=customer,
            subject=f"question {i}",
            coverage=Coverage.INQUIRY,
            assignee=user,
        )
        for i in range(share)
    )
    Note.objects.bulk_create(
        Note(author=None, body=f"note {i}", to_user=user) for i in range(share)
    )
    Note.objects.bulk_create(
        Note(author=user, body=f"call back {i}", customer=customer, due_at=now)
        for i in range(share)
    )
    Room.objects.bulk_create(
        Room(kind=RoomKind.CUSTOMER, status=RoomStatus.WAITING, customer=customer, requested=user)
        for i in range(share)
    )
    statuses = [OrderStatus.PAID, OrderStatus.PACKED]
    Order.objects.bulk_create(
        Order(
            number=f"BW{stamp}-{i}",
            customer=customer,
            status=statuses[i % 2],
            placed_at=now,
            payment_method="card",
        )
        for i in range(args.items - 4 * share)
    )
    Order.objects.bulk_create(
        (
            Order(
                number=f"BD{stamp}-{i}",
                customer=customer,
                status=OrderStatus.DELIVERED,
                placed_at=now,
                payment_method="card",
            )
            for i in range(args.background_orders)
        ),
        batch_size=5000,
    )

    client = Client(HTTP_HOST="127.0.0.1")
    login_staff(client, user)
    url = reverse("portal:dashboard")
    assert client.get(url).status_code == 200
    seen: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timed):
        client.get(url)
    slowest = sorted(seen, reverse=True)[:3]
    times = []
    cpu_started = time.process_time()
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    cpu_ms = (time.process_time() - cpu_started) * 1000 / args.requests
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p * len(times)))], 1)

    print(
        json.dumps(
            {
                "open_items": args.items,
                "background_orders": args.background_orders,
                "requests": args.requests,
                "queries_per_page": len(seen),
                "sql_ms_per_page": round(sum(ms for ms, _ in seen), 1),
                "django_cpu_ms_per_page": round(cpu_ms, 1),
                "slowest_queries_ms": [[round(ms, 1), sql[:160]] for ms, sql in slowest],
                "ms": {
                    "p50": pct(0.5),
                    "p95": pct(0.95),
                    "p99": pct(0.99),
                    "mean": round(statistics.fmean(times), 1),
                },
                "load_average_1min": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
