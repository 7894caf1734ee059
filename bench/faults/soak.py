"""Soak: the store under moderate, steady load for a while (default 10 minutes). No server error
may occur and the gunicorn workers' memory must stay flat (within 10 %). Not part of the suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_soak \\
    REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/faults/soak.py --minutes 10 --buyers 2 --port 8141

Uses the database in DATABASE_URL (migrated: use a scratch one) and, when set, Redis as the
cache and broker (no Celery worker: confirmations wait in the outbox, as when workers lag).
Serves the store with gunicorn (2 workers, `--max-requests` off, so the same processes serve the
whole run) on `--port`, and runs `--buyers` threads, each a signed-in customer looping over:
the home page, the product page, then one whole checkout through the real pages
(`checkouts.checkout`: cart, details, verify, confirm). Samples each worker's resident memory
(VmRSS) and CPU time from /proc every `--sample` seconds. Prints one JSON object; exit status 0
when there was no 5xx or connection failure and every worker's RSS at the end is within 10 % of
its RSS after the warm-up (the first `--warmup` seconds, while caches and imports fill).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

TICKS = os.sysconf("SC_CLK_TCK")


def serve(port: int) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603 (our own fixed arguments)
        [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60"],
        cwd=Path(__file__).resolve().parents[2],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--buyers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--sample", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between loops")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database.")

    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from bench.faults import checkouts

    call_command("migrate", verbosity=0)
    server = serve(args.port)
    base = f"http://127.0.0.1:{args.port}"
    statuses: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def buyer(index: int) -> None:
        shop = checkouts.setup(f"soak{index}", stock=1_000_000, base_url=base)
        product = reverse("storefront:product_short", kwargs={"public_id": shop.product.public_id})
        i = 0
        while not stop.is_set():
            seen = [shop.client.get("/"), shop.client.get(product)]
            outcome = checkouts.checkout(shop, i)
            with lock:
                for response in seen:
                    statuses[f"{response.status_code // 100}xx"] += 1
                outcomes[outcome] += 1
            i += 1
            time.sleep(args.pause)

    samples: list[dict[str, object]] = []
    try:
        pids = workers(server.pid)
        cpu_start = {pid: cpu_seconds(pid) for pid in pids}
        threads = [threading.Thread(target=buyer, args=(n,)) for n in range(args.buyers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        end = started + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(min(args.sample, max(0.0, end - time.monotonic())))
            samples.append(
                {
                    "t": round(time.monotonic() - started),
                    "rss_kib": {pid: rss_kib(pid) for pid in pids},
                    "checkouts": sum(outcomes.values()),
                }
            )
            print(json.dumps(samples[-1]), file=sys.stderr)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        cpu = sum(cpu_seconds(pid) - cpu_start[pid] for pid in pids)
        same_workers = workers(server.pid) == pids
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()

    after_warmup = next((s for s in samples if int(str(s["t"])) >= args.warmup), samples[0])
    last = samples[-1]
    growth = {
        pid: round(100 * (last["rss_kib"][pid] / after_warmup["rss_kib"][pid] - 1), 1)  # type: ignore[index]
        for pid in pids
    }
    orders = outcomes.get("order", 0)
    pages = sum(statuses.values())
    server_errors = sum(n for k, n in statuses.items() if k in ("5xx",)) + sum(
        n for k, n in outcomes.items() if k != "order"
    )
    result = {
        "minutes": args.minutes,
        "buyers": args.buyers,
        "checkouts": dict(outcomes),
        "page_views": dict(statuses),
        "server_errors": server_errors,
        "same_workers_throughout": same_workers,
        "rss_mib_after_warmup": {
            pid: round(after_warmup["rss_kib"][pid] / 1024, 1)  # type: ignore[index]
            for pid in pids
        },
        "rss_mib_end": {pid: round(last["rss_kib"][pid] / 1024, 1) for pid in pids},  # type: ignore[index]
        "rss_growth_percent": growth,
        "worker_cpu_seconds": round(cpu, 1),
        "worker_cpu_ms_per_checkout_loop": round(1000 * cpu / max(1, orders), 1),
        "requests": pages + 4 * sum(outcomes.values()),
    }
    print(json.dumps(result))
    flat = all(abs(g) <= 10 for g in growth.values())
    return 0 if server_errors == 0 and flat and same_workers else 1


if __name__ == "__main__":
    raise SystemExit(main())
