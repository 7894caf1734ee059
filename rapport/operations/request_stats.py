"""Request outcomes in a cheap rolling store: counts per 10-second bucket of all responses, of
5xx responses, and of response times in a fixed histogram (for the p95).

The middleware adds to a small in-process buffer and writes it out at most once a second (one
Redis round trip: a pipeline of HINCRBY on the bucket's hash), so a request costs a dict update.
With Redis as the cache (REDIS_URL) every process writes to the same buckets; without it they
live in the process's local cache (one process, `make run`). Buckets expire after an hour.
Readers (the alert evaluator, the metrics page) sum the buckets of a window.

`clock` is the one source of time here, so tests drive the buckets with a controlled clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

BUCKET_SECONDS = 10
KEEP_SECONDS = 3600
FLUSH_EVERY = 1.0
# Upper bounds of the response-time histogram, in milliseconds (the last is "slower").
LATENCY_BOUNDS_MS = (25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000)
# Probes and the metrics scrape are not store traffic: they would dilute the rates.
IGNORED_PATHS = ("/healthz", "/readyz", "/metrics")

clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Window:
    """What the buckets of one window add up to."""

    total: int
    errors: int
    histogram: tuple[int, ...]

    @property
    def error_rate(self) -> float | None:
        """Share of 5xx responses in percent; None without traffic."""
        return 100.0 * self.errors / self.total if self.total else None

    def percentile_ms(self, share: float) -> float | None:
        """The response time (ms, a histogram bound) under which `share` of responses fall."""
        if not self.total:
            return None
        wanted = share * self.total
        seen = 0
        for bound, count in zip((*LATENCY_BOUNDS_MS, None), self.histogram, strict=True):
            seen += count
            if seen >= wanted:
                return float(bound if bound is not None else LATENCY_BOUNDS_MS[-1] * 2)
        return float(LATENCY_BOUNDS_MS[-1] * 2)


def _bucket(at: float) -> int:
    return int(at // BUCKET_SECONDS) * BUCKET_SECONDS


def _latency_slot(ms: float) -> int:
    for i, bound in enumerate(LATENCY_BOUNDS_MS):
        if ms <= bound:
            return i
    return len(LATENCY_BOUNDS_MS)


FIELDS = ("total", "errors", *(f"h{i}" for i in range(len(LATENCY_BOUNDS_MS) + 1)))


class _Backend:
    def add(self, counts: dict[int, dict[str, int]]) -> None:
        raise NotImplementedError

    def read(self, buckets: list[int]) -> list[dict[str, int]]:
        raise NotImplementedError


class _RedisBackend(_Backend):
    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix

    def key(self, bucket: int) -> str:
        return f"{self.prefix}:ops:req:{bucket}"

    def add(self, counts: dict[int, dict[str, int]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for bucket, fields in counts.items():
            for name, value in fields.items():
                pipe.hincrby(self.key(bucket), name, value)
            pipe.expire(self.key(bucket), KEEP_SECONDS)
        pipe.execute()

    def read(self, buckets: list[int]) -> list[dict[str, int]]:
        pipe = self.client.pipeline(transaction=False)
        for bucket in buckets:
            pipe.hgetall(self.key(bucket))
        return [{k.decode(): int(v) for k, v in row.items()} for row in pipe.execute() if row]


class _CacheBackend(_Backend):
    """The process's local cache (no Redis): one process sees its own traffic."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def add(self, counts: dict[int, dict[str, int]]) -> None:
        cache = caches["default"]
        with self.lock:
            for bucket, fields in counts.items():
                key = f"ops:req:{bucket}"
                row = cache.get(key) or {}
                for name, value in fields.items():
                    row[name] = row.get(name, 0) + value
                cache.set(key, row, KEEP_SECONDS)

    def read(self, buckets: list[int]) -> list[dict[str, int]]:
        found = caches["default"].get_many([f"ops:req:{b}" for b in buckets])
        return list(found.values())


class RequestStats:
    """The buffer in front of the backend; one per process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[int, dict[str, int]] = {}
        self.last_flush = 0.0
        self._backend: _Backend | None = None

    @property
    def backend(self) -> _Backend:
        if self._backend is None:
            # Redis when it is the shared cache (the test settings keep a local cache, and so
            # keep their statistics out of a Redis other runs share).
            url = getattr(settings, "REDIS_URL", "")
            cache_backend = str(settings.CACHES["default"]["BACKEND"])
            prefix = str(settings.CACHES["default"].get("KEY_PREFIX") or "rapport")
            shared = bool(url) and cache_backend.endswith("RedisCache")
            self._backend = _RedisBackend(url, prefix) if shared else _CacheBackend()
        return self._backend

    def reset(self, backend: _Backend | None = None) -> None:
        """Forget the buffer and pick the backend again (tests, a changed REDIS_URL)."""
        with self.lock:
            self.pending = {}
            self._backend = backend

    def record(self, status: int, milliseconds: float, at: float | None = None) -> None:
        now = clock() if at is None else at
        fields = self.pending.setdefault(_bucket(now), {})
        fields["total"] = fields.get("total", 0) + 1
        if status >= 500:
            fields["errors"] = fields.get("errors", 0) + 1
        slot = f"h{_latency_slot(milliseconds)}"
        fields[slot] = fields.get(slot, 0) + 1
        if now - self.last_flush >= FLUSH_EVERY:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        with self.lock:
            pending, self.pending = self.pending, {}
            self.last_flush = clock() if now is None else now
        if pending:
            try:
                self.backend.add(pending)
            except Exception:
                return

    def window(self, seconds: int, now: float | None = None) -> Window:
        """Sum the buckets that started within the last `seconds` (this process's buffer
        included)."""
        self.flush(now)
        end = clock() if now is None else now
        first = _bucket(end - seconds) + BUCKET_SECONDS
        buckets = list(range(first, _bucket(end) + 1, BUCKET_SECONDS))
        try:
            rows = self.backend.read(buckets)
        except Exception:
            rows = []
        totals = dict.fromkeys(FIELDS, 0)
        for row in rows:
            for name in FIELDS:
                totals[name] += int(row.get(name, 0))
        return Window(
            total=totals["total"],
            errors=totals["errors"],
            histogram=tuple(totals[f"h{i}"] for i in range(len(LATENCY_BOUNDS_MS) + 1)),
        )


stats = RequestStats()


class RequestStatsMiddleware:
    """Outermost middleware: sees every response, a crashed view's 500 included."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response: HttpResponse = self.get_response(request)
        if not request.path.startswith(IGNORED_PATHS):
            stats.record(response.status_code, (time.perf_counter() - started) * 1000)
        return response
