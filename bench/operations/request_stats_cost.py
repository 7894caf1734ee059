"""What the request-statistics middleware costs a request: `stats.record` timed in a loop, with
the local cache (no Redis) and with Redis (one pipelined write a second).

    REDIS_URL=redis://127.0.0.1:6379/5 DEBUG=1 \
        .venv/bin/python bench/operations/request_stats_cost.py
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402

from rapport.operations.request_stats import (  # noqa: E402
    RequestStats,
    _CacheBackend,
    _RedisBackend,
)

N = 200_000


def cost(backend: object) -> float:
    stats = RequestStats()
    stats.reset(backend)  # type: ignore[arg-type]
    started = time.perf_counter()
    for i in range(N):
        stats.record(500 if i % 50 == 0 else 200, (i % 700) * 1.0)
    stats.flush()
    return (time.perf_counter() - started) / N * 1e6


def main() -> None:
    result = {"records": N, "local_cache_us": round(cost(_CacheBackend()), 2)}
    if settings.REDIS_URL:
        backend = _RedisBackend(settings.REDIS_URL, f"bench-{uuid.uuid4().hex}")
        result["redis_us"] = round(cost(backend), 2)
        keys = backend.client.keys(f"{backend.prefix}:*")
        if keys:
            backend.client.delete(*keys)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
