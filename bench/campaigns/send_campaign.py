"""Build and queue a campaign to N recipients (default 100,000) and print the seconds.

Run on a throw-away PostgreSQL database (it is migrated and filled here):

    createdb -h 127.0.0.1 -U postgres rapport_campaign_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_campaign_bench DEBUG=1 \\
        CELERY_TASK_ALWAYS_EAGER=0 .venv/bin/python bench/campaigns/send_campaign.py [--customers N]

What is timed: `send_campaign_task` for a segment campaign (one version, three products, 10 %
control) — reading the audience, the control group, topic opt-outs, the daily cap, consent, the
weekly contact budget, rendering each mail in the customer's language, writing the outbox row
and the recipient row, batch after batch. Sending the outbox is the messaging worker's job and is
not timed (with CELERY_TASK_ALWAYS_EAGER=0 and no REDIS_URL the send tasks go to an in-memory
broker). The web process only flips the campaign to "sending": that is timed separately.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.campaigns.models import AudienceKind, Campaign, Recipient  # noqa: E402
from rapport.campaigns.services import save_campaign, start_campaign  # noqa: E402
from rapport.campaigns.tasks import send_campaign_task  # noqa: E402
from rapport.catalog.models import Category, Product  # noqa: E402
from rapport.customers.models import (  # noqa: E402
    Consent,
    ContactKind,
    ContactPoint,
    Customer,
    Purpose,
)
from rapport.inventory.models import StockRecord  # noqa: E402
from rapport.segments.models import Segment, SegmentMembership  # noqa: E402


def fill(n: int) -> Segment:
    """N customers with a consenting email, all in one segment (bulk, a minute for 100,000).
    With fewer than the database holds: a segment of the first N of them."""
    segment, _ = Segment.objects.get_or_create(name="Bench audience")
    have = segment.memberships.count()
    if have > n:
        part, created = Segment.objects.get_or_create(name=f"Bench audience, first {n}")
        if created:
            first = segment.memberships.order_by("customer_id").values_list("customer_id")[:n]
            SegmentMembership.objects.bulk_create(
                SegmentMembership(segment=part, customer_id=pk) for (pk,) in first
            )
        return part
    if have == n:
        return segment
    now = timezone.now()
    batch = 5000
    for start in range(have, n, batch):
        people = Customer.objects.bulk_create(
            Customer(name=f"Bench {i}", email=f"bench{i}@example.com", time_zone="Europe/London")
            for i in range(start, min(start + batch, n))
        )
        points = ContactPoint.objects.bulk_create(
            ContactPoint(
                customer=c, kind=ContactKind.EMAIL, value=c.email, is_primary=True, status="valid"
            )
            for c in people
        )
        Consent.objects.bulk_create(
            Consent(contact_point=p, purpose=purpose, granted=True, changed_at=now, source="bench")
            for p in points
            for purpose in (Purpose.TRANSACTIONAL, Purpose.MARKETING)
        )
        SegmentMembership.objects.bulk_create(
            SegmentMembership(segment=segment, customer=c) for c in people
        )
        print(f"  filled {start + len(people)}", file=sys.stderr)
    return segment


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (a prefork worker's pool)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def postgres_cpu(database: str, seen: dict[int, float]) -> None:
    """Note the CPU so far of every PostgreSQL backend serving `database` (only this bench uses
    it) in `seen` (pid → seconds); called often, so a backend that exits is counted up to its
    last sample."""
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
            if not command.startswith("postgres:") or f" {database} " not in command:
                continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seen[int(entry)] = (int(fields[11]) + int(fields[12])) / tick


def start_workers(n: int, concurrency: int, queue: str, log_dir: str) -> list[subprocess.Popen]:
    """N Celery workers on their own queue (the outbox's send tasks go to the default queue,
    which no bench worker reads: sending is not timed). Waits until each says it is ready."""
    env = {**os.environ, "RAPPORT_CAMPAIGN_SEND_TASKS": str(n * concurrency)}
    workers = []
    for i in range(n):
        log = open(os.path.join(log_dir, f"worker{i}.log"), "w")  # noqa: SIM115
        workers.append(
            subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    queue,
                    "-n",
                    f"campaign-bench{i}@%h",
                    "-c",
                    str(concurrency),
                    "--pool",
                    "solo" if concurrency == 1 else "prefork",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "info",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 120
    for i, worker in enumerate(workers):
        while "ready." not in Path(log_dir, f"worker{i}.log").read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"worker {i} did not start; see {log_dir}/worker{i}.log")
            time.sleep(0.2)
    return workers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="Celery worker processes to start (needs REDIS_URL); 0: run the task in this process",
    )
    parser.add_argument("--concurrency", type=int, default=1, help="processes per worker")
    parser.add_argument("--profile", action="store_true", help="cProfile, in this process")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (DATABASE_URL).")
    if args.workers and not settings.REDIS_URL:
        sys.exit("--workers needs REDIS_URL (the broker the workers read).")
    call_command("migrate", verbosity=0)
    segment = fill(args.customers)
    category, _ = Category.objects.get_or_create(name="Bench", slug="bench")
    products = []
    for i in range(3):
        product, _ = Product.objects.get_or_create(
            sku=f"BENCH-{i}",
            defaults={
                "name": f"Bench product {i}",
                "slug": f"bench-{i}",
                "price": "9.99",
                "category": category,
            },
        )
        StockRecord.objects.get_or_create(product=product, defaults={"quantity": 1000})
        products.append(product)
    with connection.cursor() as cursor:  # the previous run's rows, quickly
        cursor.execute(
            "TRUNCATE campaigns_recipient, campaigns_sendbatch, messaging_message CASCADE"
        )
    Campaign.objects.all().delete()
    campaign = save_campaign(
        actor=None,
        name="Bench",
        audience_kind=AudienceKind.SEGMENT,
        segment=segment,
        variants=[("Hello {name}", "Spring is here, {name}.")],
        products=products,
        personal_products=False,
    )
    queue = f"campaign-bench-{os.getpid()}"
    log_dir = tempfile.mkdtemp(prefix="campaign-bench-")
    workers = start_workers(args.workers, args.concurrency, queue, log_dir) if args.workers else []
    database = connection.settings_dict["NAME"]
    postgres_before: dict[int, float] = {}
    postgres_cpu(database, postgres_before)
    postgres_after = dict(postgres_before)
    try:
        cpu_before = sum(cpu_seconds(w.pid) for w in workers)
        load_before = Path("/proc/loadavg").read_text().split()[0]

        def enqueue(pk: int) -> None:
            if workers:
                send_campaign_task.apply_async(args=[pk], queue=queue)

        began = time.perf_counter()
        start_campaign(campaign=campaign, actor=None, enqueue=enqueue)
        web = time.perf_counter() - began
        own_cpu = time.process_time()
        if workers:
            while Campaign.objects.filter(pk=campaign.pk, finished_at__isnull=True).exists():
                if any(w.poll() is not None for w in workers):
                    sys.exit(f"a worker died; see {log_dir}")
                postgres_cpu(database, postgres_after)
                time.sleep(0.2)
            wall = time.perf_counter() - began
            cpu = sum(cpu_seconds(w.pid) for w in workers) - cpu_before
        elif args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            send_campaign_task.apply(args=[campaign.pk]).get()
            profiler.disable()
            wall, cpu = time.perf_counter() - began, time.process_time() - own_cpu
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
        else:
            send_campaign_task.apply(args=[campaign.pk]).get()
            wall, cpu = time.perf_counter() - began, time.process_time() - own_cpu
        load_after = Path("/proc/loadavg").read_text().split()[0]
        postgres_cpu(database, postgres_after)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    if workers:
        # The outbox's send tasks this run enqueued on the default queue (nobody read them).
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete("celery")
    postgres = sum(
        seconds - postgres_before.get(pid, 0.0) for pid, seconds in postgres_after.items()
    )
    rows = Recipient.objects.filter(campaign=campaign)
    how = (
        f"{args.workers} worker(s) x {args.concurrency} process(es)"
        if workers
        else "in this process" + (" (cProfile)" if args.profile else "")
    )
    print(
        f"{args.customers} recipients, {how}: web request {web * 1000:.0f} ms; built and queued "
        f"{rows.filter(message__isnull=False).count()} mails "
        f"({rows.filter(is_control=True).count()} control) in {wall:.1f} s wall "
        f"({args.customers / wall:.0f} recipients/s); worker CPU {cpu:.1f} s "
        f"({cpu / args.customers * 1000:.2f} ms a recipient); PostgreSQL CPU {postgres:.1f} s "
        f"({postgres / args.customers * 1000:.2f} ms a recipient); "
        f"load average {load_before} -> {load_after}"
    )


if __name__ == "__main__":
    main()
