"""Fault script: the mail server is down while ORDERS orders are placed; every order
confirmation must be sent exactly once after it comes back. Not part of the test suite.

    RAPPORT_VAR_DIR=/tmp/fault-smtp .venv/bin/python bench/faults/smtp_outage_orders.py \
        --orders 200 --outage-seconds 300

Uses the database in DATABASE_URL (or a SQLite file under RAPPORT_VAR_DIR), which it migrates;
use a scratch one. No REDIS_URL: the outbox sends in-process, as a shop without a worker does.
Timeline: SMTP points at a closed loopback port; the orders are placed (each confirmation's
first send fails and waits in the outbox); the script waits until `--outage-seconds` have
passed since the first order, starts a real SMTP server (aiosmtpd) on that port, and runs the
outbox (`send_due_messages`, what the beat task does) every few seconds until every
confirmation is sent or `--timeout` passes. Prints one JSON object on stdout: orders, mails
received, duplicates, missing, confirmations per order, seconds from SMTP back to the last mail.
Exit status 0 only when every order got exactly one confirmation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
os.environ.pop("REDIS_URL", None)
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--outage-seconds", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    port = closed_port()
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(port)

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.faults import checkouts
    from rapport.messaging.models import Message, MessageStatus
    from rapport.messaging.services import send_due_messages

    buyer = checkouts.make_buyer("smtp", stock=10 * args.orders)
    email = buyer.customer.email

    started = time.monotonic()
    orders = []
    for i in range(args.orders):
        orders.append(checkouts.place_one(buyer, i))
        print(f"order {i + 1}/{args.orders}", file=sys.stderr)
    numbers = {o.number for o in orders}
    messages = Message.objects.filter(to_address=email)
    waiting = messages.exclude(status=MessageStatus.SENT).count()
    print(f"{waiting} confirmations waiting while SMTP is down", file=sys.stderr)
    time.sleep(max(0.0, args.outage_seconds - (time.monotonic() - started)))

    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    back = time.monotonic()
    last_mail = back
    try:
        while time.monotonic() - back < args.timeout:
            send_due_messages()
            if not messages.exclude(status=MessageStatus.SENT).exists():
                last_mail = time.monotonic()
                break
            time.sleep(2)
        send_due_messages()  # one more run: must send nothing twice
        time.sleep(1)
    finally:
        controller.stop()

    per_order = {n: 0 for n in numbers}
    for raw in received:
        for n in numbers:
            if n.encode() in raw:
                per_order[n] += 1
    ids = [line for raw in received for line in raw.splitlines() if line.startswith(b"Message-ID")]
    result = {
        "orders": len(orders),
        "outage_seconds": round(back - started, 1),
        "mails_received": len(received),
        "duplicate_message_ids": len(ids) - len(set(ids)),
        "orders_without_mail": sum(1 for v in per_order.values() if v == 0),
        "orders_with_more_than_one": sum(1 for v in per_order.values() if v > 1),
        "seconds_from_smtp_back_to_last_mail": round(last_mail - back, 1),
        "outbox_not_sent": messages.exclude(status=MessageStatus.SENT).count(),
    }
    print(json.dumps(result))
    ok = (
        result["mails_received"] == len(orders)
        and result["orders_without_mail"] == 0
        and result["orders_with_more_than_one"] == 0
        and result["outbox_not_sent"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
