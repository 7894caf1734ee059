"""Benchmark: a customer's mail arrives at the support inbox (SMTP) and the automatic answer is
handed to the outgoing mail server, with a Celery worker doing the work, as in production.
Issue 23's goal: ≤ 2 s end to end. Not part of the test suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_mail \\
        .venv/bin/python bench/support_mail_latency.py --mails 20

Starts its own `redis-server` (broker) on a free loopback port, a real SMTP server (aiosmtpd)
for outgoing mail, the support inbox (`support.smtp.start_server`, as `run_support_inbox`
does) and `celery -A config worker -c 2`; migrates the database in DATABASE_URL (use a scratch
one), seeds the knowledge base and trains the intent model when missing (RAPPORT_VAR_DIR). Then
sends `--mails` questions one after the other over SMTP and times each from the first byte sent
to the auto-reply (matched by In-Reply-To) arriving at the outgoing server. The first mail warms
the worker up and is not counted. Prints one JSON object: p50, p95, max seconds; CPU of this
process beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "where can I track my delivery?",
    "how do I see where my parcel is?",
    "I want to track my order",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mails", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database.")
    from bench.faults.redis_down_checkout import free_port, start_redis

    redis_port, out_port, in_port = free_port(), free_port(), free_port()
    workdir = tempfile.mkdtemp(prefix="bench-mail-")
    redis = start_redis(redis_port, workdir)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(out_port)
    support = "support@rapport.localhost"
    os.environ["RAPPORT_SUPPORT_RECIPIENTS"] = support

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_knowledge_base", verbosity=0)
    if not Path(settings.RAPPORT_INTENT_MODEL_PATH).exists():
        call_command("train_intents", verbosity=0)
    from rapport.customers.models import ContactKind, Customer
    from rapport.customers.services import add_contact_point
    from rapport.support.smtp import start_server

    # One sender a mail: a sender gets at most RAPPORT_AUTO_REPLIES_PER_DAY automatic answers.
    run = uuid.uuid4().hex[:8]
    senders = [f"bench-{run}-{i}@example.com" for i in range(args.mails + 1)]
    for sender in senders:
        customer = Customer.objects.create(email=sender, name="Mail Bench")
        add_contact_point(
            customer=customer, kind=ContactKind.EMAIL, value=sender, actor=None, source="bench"
        )

    arrived: dict[str, float] = {}
    lock = threading.Lock()

    class Outgoing:
        async def handle_DATA(self, server, session, envelope):
            for line in envelope.content.splitlines():
                if line.lower().startswith(b"in-reply-to:"):
                    with lock:
                        arrived[line.split(b":", 1)[1].strip().decode()] = time.monotonic()
            return "250 OK"

    outgoing = Controller(Outgoing(), hostname="127.0.0.1", port=out_port)
    outgoing.start()
    inbox = start_server(host="127.0.0.1", port=in_port)
    celery = str(Path(sys.executable).with_name("celery"))
    worker = subprocess.Popen(  # noqa: S603 (our own fixed arguments)
        [celery, "-A", "config", "worker", "-c", "2", "-l", "WARNING", "--without-gossip"],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    times: list[float] = []
    cpu = time.process_time()
    try:
        for i in range(args.mails + 1):
            message = EmailMessage()
            message["From"], message["To"] = senders[i], support
            message["Subject"] = "Question"
            message_id = make_msgid(domain="mail.example.com")
            message["Message-ID"] = message_id
            message.set_content(f"Hello,\n\n{QUESTIONS[i % len(QUESTIONS)]}\n\nThanks,\nAnn\n")
            started = time.monotonic()
            with smtplib.SMTP("127.0.0.1", in_port, timeout=30) as smtp:
                smtp.send_message(message)
            deadline = started + (120 if i == 0 else 30)
            while message_id not in arrived and time.monotonic() < deadline:
                time.sleep(0.005)
            if message_id not in arrived:
                print(f"mail {i}: no automatic answer within the deadline", file=sys.stderr)
                continue
            if i:  # the first one waits for the worker to start
                times.append(arrived[message_id] - started)
            print(f"mail {i}: {arrived[message_id] - started:.3f} s", file=sys.stderr)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()
        inbox.stop()
        outgoing.stop()
        redis.send_signal(signal.SIGTERM)
        redis.wait()
    ordered = sorted(times)
    result = {
        "mails": len(times),
        "answered": len(times),
        "p50_s": round(statistics.median(ordered), 3) if ordered else None,
        "p95_s": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3) if ordered else None,
        "max_s": round(ordered[-1], 3) if ordered else None,
        "bench_process_cpu_s": round(time.process_time() - cpu, 2),
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result))
    return 0 if ordered and len(times) == args.mails else 1


if __name__ == "__main__":
    raise SystemExit(main())
