"""What the traffic log adds to a whole storefront request: interleaved A/B in one process.

    REDIS_URL=redis://127.0.0.1:6379/3 DATABASE_URL=postgres://… DEBUG=1 \
        .venv/bin/python bench/traffic/request_ab.py [--pairs 600] [--path /]

Two Django test clients in the same process, with the same settings, the same database and the
same Redis: A runs the full middleware stack, B the same stack without
`rapport.traffic.log.TrafficMiddleware`. Each pair sends one request through A and one through B,
alternating which goes first, so drift in the machine's load hits both alike. Every request
comes from a different browser (IP and user agent vary), as real visitors do, so every A request
logs a new visitor's event (queued in the process and sent to Redis once a second by the log's
sender thread, which runs during the timed requests as it does in production). No profiler is
attached. Prints, per arm, wall and CPU (process time) p50/mean/p95 in milliseconds, and the
paired difference A - B (median and 10 % trimmed mean of the per-pair differences). The queue
key is emptied before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from rapport.traffic import log  # noqa: E402

HOOK = "rapport.traffic.log.TrafficMiddleware"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0.{} Safari/537.36"


def _client(middleware: list[str], path: str) -> Client:
    client = Client()
    with override_settings(MIDDLEWARE=middleware):
        # The handler builds its middleware chain on the first request: do it under the override.
        response = client.get(path, HTTP_USER_AGENT=AGENT.format(0), REMOTE_ADDR="10.9.9.9")
        assert response.status_code == 200, response.status_code
    return client


def _trimmed(values: list[float], cut: float = 0.1) -> float:
    ordered = sorted(values)
    k = int(len(ordered) * cut)
    return statistics.fmean(ordered[k : len(ordered) - k])


def _summary(name: str, wall: list[float], cpu: list[float]) -> str:
    w, c = sorted(wall), sorted(cpu)
    p95 = int(0.95 * (len(w) - 1))
    return (
        f"{name}: wall p50 {statistics.median(w):.3f} mean {statistics.fmean(w):.3f} "
        f"p95 {w[p95]:.3f} ms; CPU p50 {statistics.median(c):.3f} mean {statistics.fmean(c):.3f} "
        f"p95 {c[p95]:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--path", default="/")
    args = parser.parse_args()
    if HOOK not in settings.MIDDLEWARE:
        raise SystemExit(f"{HOOK} is not in MIDDLEWARE")
    redis = log._redis()
    if redis is None:
        raise SystemExit("set REDIS_URL: the log queues to Redis in production")
    redis.delete(log.QUEUE_KEY)
    with_hook = _client(list(settings.MIDDLEWARE), args.path)
    without = _client([m for m in settings.MIDDLEWARE if m != HOOK], args.path)
    walls: dict[str, list[float]] = {"A": [], "B": []}
    cpus: dict[str, list[float]] = {"A": [], "B": []}
    clients = {"A": with_hook, "B": without}
    for i in range(-50, args.pairs):  # 50 warm-up pairs, not counted
        for arm in ("A", "B") if i % 2 == 0 else ("B", "A"):
            headers = {
                "HTTP_USER_AGENT": AGENT.format(i),
                "REMOTE_ADDR": f"10.{i % 7}.{i % 250}.{1 if arm == 'A' else 2}",
            }
            started, started_cpu = time.perf_counter(), time.process_time()
            response = clients[arm].get(args.path, **headers)
            wall = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - started_cpu) * 1000
            assert response.status_code == 200
            if i >= 0:
                walls[arm].append(wall)
                cpus[arm].append(cpu)
    log._sender.send_now()  # what the sender thread has not sent yet
    queued = redis.llen(log.QUEUE_KEY)
    redis.delete(log.QUEUE_KEY)
    print(f"path {args.path}, {args.pairs} pairs, events queued by A: {queued}")
    print(_summary("A with the traffic log   ", walls["A"], cpus["A"]))
    print(_summary("B without the traffic log", walls["B"], cpus["B"]))
    dw = [a - b for a, b in zip(walls["A"], walls["B"], strict=True)]
    dc = [a - b for a, b in zip(cpus["A"], cpus["B"], strict=True)]
    print(
        f"A - B per pair: wall median {statistics.median(dw):+.3f} ms, "
        f"trimmed mean {_trimmed(dw):+.3f} ms; CPU median {statistics.median(dc):+.3f} ms, "
        f"trimmed mean {_trimmed(dc):+.3f} ms"
    )
    with open("/proc/loadavg") as handle:
        print(f"loadavg {handle.read().split()[0]}")


if __name__ == "__main__":
    main()
