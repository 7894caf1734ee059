"""What the traffic log adds to a storefront request: `event_for` (classify, hash the visitor)
plus `push` (append to the process's list; a thread sends it to Redis once a second), timed per
request; and what `flush` costs per event. The whole request with and without the log:
`bench/traffic/request_ab.py`.

    REDIS_URL=redis://127.0.0.1:6379/8 DATABASE_URL=postgres://… DEBUG=1 \
        .venv/bin/python bench/traffic/log_cost.py [--n 5000]

Prints wall p50/p95/p99 and CPU p50/p95 in microseconds. The queue key is emptied before and after.
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

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from rapport.traffic import log  # noqa: E402

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    n = parser.parse_args().n
    redis = log._redis()
    if redis is None:
        raise SystemExit("set REDIS_URL: the log queues to Redis in production")
    redis.delete(log.QUEUE_KEY)
    factory = RequestFactory()
    response = HttpResponse("<html></html>", content_type="text/html; charset=utf-8")
    times, cpu = [], []
    for i in range(n):
        request = factory.get("/", HTTP_USER_AGENT=AGENT, REMOTE_ADDR=f"10.0.{i % 250}.{i % 200}")
        request.resolver_match = resolve("/")
        request.user = type("Anon", (), {"is_authenticated": False})()
        started, started_cpu = time.perf_counter(), time.process_time()
        event = log.event_for(request, response)
        assert event is not None
        log.push(event)
        times.append((time.perf_counter() - started) * 1e6)
        cpu.append((time.process_time() - started_cpu) * 1e6)
    times.sort()
    cpu.sort()
    print(
        f"log one request (n={n}): p50 {statistics.median(times):.0f} µs, "
        f"p95 {times[int(0.95 * n)]:.0f} µs, p99 {times[int(0.99 * n)]:.0f} µs (wall); "
        f"CPU p50 {statistics.median(cpu):.0f} µs, p95 {cpu[int(0.95 * n)]:.0f} µs"
    )
    log._sender.send_now()
    started = time.perf_counter()
    written = 0
    while True:
        done = log.flush()
        if not done:
            break
        written += done
    took = time.perf_counter() - started
    print(f"flush: {written} events in {took:.1f} s ({1000 * took / max(written, 1):.2f} ms/event)")
    redis.delete(log.QUEUE_KEY)


if __name__ == "__main__":
    main()
