"""Fault script: the Celery worker sending order confirmations is killed (SIGKILL) in the middle
of its work and a new one is started. Every confirmation must reach the mail server, none twice.
Not part of the test suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_fault_worker \\
        .venv/bin/python bench/faults/worker_killed_outbox.py --orders 60

Starts its own `redis-server` (broker) on a free loopback port and a real SMTP server (aiosmtpd)
on another; uses the database in DATABASE_URL (migrated: use a scratch one). Places `--orders`
orders (each confirmation, with its PDF receipt, is queued in the outbox and handed to the
broker on commit), starts `celery -A config worker -c 2`, kills its whole process group once a
third of the mails have arrived, starts a new worker, and plays the beat's outbox run
(`send_due_messages`) every few seconds until nothing is left to send. Prints one JSON object:
mails received, duplicates, missing, and the state of every outbox row. A confirmation whose
send was cut off (its row left SENDING) is sent again once its sending lease has run out
(`--lease`, seconds; 600 in production), with the same Message-ID: the promise is "every mail
arrives; only a mail in flight at the kill may arrive twice, and then with one Message-ID, which
receivers collapse". Exit status 0 when nothing is missing and every duplicate was in flight.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--lease", type=int, default=30, help="sending lease, seconds")
    args = parser.parse_args()
    os.environ["RAPPORT_OUTBOX_SENDING_LEASE_SECONDS"] = str(args.lease)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database.")
    from bench.faults.redis_down_checkout import free_port, start_redis

    redis_port, smtp_port = free_port(), free_port()
    workdir = tempfile.mkdtemp(prefix="fault-worker-")
    redis = start_redis(redis_port, workdir)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(smtp_port)

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from bench.faults import checkouts
    from rapport.messaging.models import Message, MessageStatus
    from rapport.messaging.services import send_due_messages

    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    smtp = Controller(Inbox(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()

    buyer = checkouts.make_buyer("worker", stock=10 * args.orders)
    customer = buyer.customer
    for i in range(args.orders):  # no worker yet: every confirmation waits in the broker
        checkouts.place_one(buyer, i)
    messages = Message.objects.filter(customer=customer, template="order_confirmation")
    total = messages.count()

    def worker() -> subprocess.Popen[bytes]:
        celery = str(Path(sys.executable).with_name("celery"))
        return subprocess.Popen(  # noqa: S603 (our own fixed arguments)
            [celery, "-A", "config", "worker", "-c", "2", "-l", "WARNING", "--without-gossip"],
            cwd=ROOT,
            env=os.environ.copy(),
            start_new_session=True,  # its own process group: the kill takes the children too
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    first = worker()
    started = time.monotonic()
    while len(received) < total // 3 and time.monotonic() - started < args.timeout:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = len(received)
    connection.close()
    in_flight = [
        m.strip("<>")
        for m in messages.filter(status=MessageStatus.SENDING).values_list("message_id", flat=True)
    ]
    second = worker()
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            send_due_messages()  # what the beat does every minute
            waiting = [MessageStatus.QUEUED, MessageStatus.RETRYING, MessageStatus.SENDING]
            if not messages.filter(status__in=waiting):
                break
            time.sleep(3)
        time.sleep(3)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait()
        smtp.stop()
        redis.send_signal(signal.SIGTERM)
        redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    def message_id(raw: bytes) -> str:
        for line in raw.splitlines():
            if line.lower().startswith(b"message-id:"):
                return line.split(b":", 1)[1].strip().decode().strip("<>")
        return ""

    got = [message_id(raw) for raw in received]
    wanted = {m.strip("<>") for m in messages.values_list("message_id", flat=True)}
    states: dict[str, int] = {}
    for status in messages.values_list("status", flat=True):
        states[status] = states.get(status, 0) + 1
    missing = wanted - set(got)
    twice = {m for m in got if got.count(m) > 1}
    result = {
        "confirmations": total,
        "received_before_the_kill": killed_at,
        "in_flight_at_the_kill": len(in_flight),
        "mails_received": len(got),
        "duplicates": len(got) - len(set(got)),
        "missing": len(missing),
        "missing_not_in_flight": len(missing - set(in_flight)),
        "duplicates_not_in_flight": len(twice - set(in_flight)),
        "outbox_states": states,
    }
    print(json.dumps(result))
    return 0 if result["missing"] == 0 and result["duplicates_not_in_flight"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
