"""Push 10,000 queued offline operations through POST /api/v1/sync/push in batches of 500
(goal: ≤ 10 s on PostgreSQL), then push them all again (a retried sync: every one replayed).

The queue is what an employee's device collects offline: notes on customers (40 %), new draft
orders (30 %), edits of those drafts (20 %) and chat messages (10 %). Every operation gets its
domain's rules, audit entry and applied-operation row (applied set-based per batch: see
rapport/sync/batch.py). Prints one JSON object: counts, wall and CPU seconds, operations per
second.

    DATABASE_URL=postgres://…/scratch .venv/bin/python manage.py migrate   # once
    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/offline/sync_push.py
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections import Counter
from typing import Any

from common import Timer, person, setup, stamp, token_client

BATCH = 500


def queue(n: int, customers: list[Any], products: list[Any], rooms: list[Any]) -> list[dict]:
    ops: list[dict[str, Any]] = []
    drafts: list[tuple[str, str]] = []
    for i in range(n):
        customer = customers[i % len(customers)]
        slot = i % 10
        if slot < 4:
            kind, payload = (
                "note.create",
                {
                    "note_id": str(uuid.uuid4()),
                    "customer_id": str(customer.public_id),
                    "body": f"Visit {i}: wants a quote for the spring range",
                },
            )
        elif slot < 7 or not drafts:
            draft_id = str(uuid.uuid4())
            drafts.append((draft_id, str(customer.public_id)))
            kind, payload = (
                "draft_order.save",
                {
                    "draft_id": draft_id,
                    "customer_id": str(customer.public_id),
                    "lines": [
                        {
                            "product_id": str(products[(i + k) % len(products)].public_id),
                            "quantity": 1 + k,
                        }
                        for k in range(3)
                    ],
                    "note": "",
                    "base_version": None,
                },
            )
        elif slot < 9:
            draft_id, customer_id = drafts.pop(0)
            kind, payload = (
                "draft_order.save",
                {
                    "draft_id": draft_id,
                    "customer_id": customer_id,
                    "lines": [
                        {"product_id": str(products[i % len(products)].public_id), "quantity": 5}
                    ],
                    "note": "edited offline",
                    "base_version": 1,
                },
            )
        else:
            kind, payload = (
                "message.post",
                {"conversation_id": str(rooms[i % len(rooms)].public_id), "body": f"Update {i}"},
            )
        ops.append({"id": str(uuid.uuid4()), "kind": kind, "payload": payload})
    return ops


def run(client: Any, ops: list[dict]) -> tuple[Counter, Counter]:
    statuses: Counter = Counter()
    replayed: Counter = Counter()
    for start in range(0, len(ops), BATCH):
        response = client.post(
            "/api/v1/sync/push",
            {"operations": ops[start : start + BATCH]},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content[:500]
        for result in response.json()["results"]:
            statuses[result["status"]] += 1
            replayed[result["replayed"]] += 1
    return statuses, replayed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=10_000)
    args = parser.parse_args()
    setup()
    from rapport.catalog.models import Category
    from rapport.chat.models import Room, RoomKind, RoomStatus
    from rapport.checkout.tests.factories import stocked_product
    from rapport.customers.models import Customer

    tag = stamp()
    employee = person(f"emp-{tag}@bench.example.com", "Employee")
    customers = [
        Customer.objects.get(user=person(f"c{i}-{tag}@bench.example.com")) for i in range(20)
    ]
    category = Category.objects.create(name=f"Sync {tag}", slug=f"sync-{tag}")
    products = [
        stocked_product(
            sku=f"S{tag}-{i}", name=f"Sync {i}", slug=f"sync-{tag}-{i}", category=category
        )
        for i in range(30)
    ]
    rooms = [
        Room.objects.create(kind=RoomKind.CUSTOMER, status=RoomStatus.OPEN, customer=c, title="x")
        for c in customers[:5]
    ]
    ops = queue(args.ops, customers, products, rooms)
    client = token_client(employee)
    client.get("/api/v1/me")  # warm up: the first request imports the whole URLconf
    with Timer() as first:
        statuses, _ = run(client, ops)
    with Timer() as again:
        replay_statuses, replayed = run(client, ops)
    print(
        json.dumps(
            {
                "operations": len(ops),
                "batch": BATCH,
                "kinds": dict(Counter(o["kind"] for o in ops)),
                "statuses": dict(statuses),
                "push_wall_s": round(first.wall, 2),
                "push_cpu_s": round(first.cpu, 2),
                "ops_per_s": round(len(ops) / first.wall),
                "cpu_ms_per_op": round(1000 * first.cpu / len(ops), 3),
                "retry_wall_s": round(again.wall, 2),
                "retry_cpu_s": round(again.cpu, 2),
                "retry_all_replayed": replayed[True] == len(ops) and replay_statuses == statuses,
                "goal_s": 10,
            }
        )
    )


if __name__ == "__main__":
    main()
