"""The rolling store of request outcomes: windows, the p95 from the histogram, and the shared
Redis buckets every process writes to."""

import uuid

import pytest
from django.conf import settings

from rapport.operations.request_stats import (
    BUCKET_SECONDS,
    RequestStats,
    _CacheBackend,
    _RedisBackend,
)

START = 1_900_000_000.0  # a multiple of the bucket size


def fill(stats, *, at, ok=0, errors=0, ms=10.0):
    for _ in range(ok):
        stats.record(200, ms, at=at)
    for _ in range(errors):
        stats.record(500, ms, at=at)


def test_a_window_sums_only_its_own_buckets():
    stats = RequestStats()
    stats.reset(_CacheBackend())
    fill(stats, at=START, ok=10, errors=10)  # will have left a 60 s window
    fill(stats, at=START + 70, ok=30, errors=0)
    fill(stats, at=START + 100, ok=9, errors=1)

    window = stats.window(60, now=START + 100)

    assert (window.total, window.errors) == (40, 1)
    assert window.error_rate == 2.5


def test_the_p95_is_read_from_the_histogram():
    stats = RequestStats()
    stats.reset(_CacheBackend())
    fill(stats, at=START, ok=94, ms=40)  # the 50 ms slot
    fill(stats, at=START, ok=6, ms=1800)  # the 2 s slot

    window = stats.window(60, now=START + BUCKET_SECONDS)

    assert window.percentile_ms(0.5) == 50
    assert window.percentile_ms(0.95) == 2000
    assert stats.window(60, now=START + 3600).percentile_ms(0.95) is None


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real Redis)")
def test_processes_share_the_redis_buckets():
    prefix = f"test-{uuid.uuid4().hex}"
    web_one, web_two, reader = RequestStats(), RequestStats(), RequestStats()
    for stats in (web_one, web_two, reader):
        stats.reset(_RedisBackend(settings.REDIS_URL, prefix))
    try:
        fill(web_one, at=START, ok=5, errors=2)
        fill(web_two, at=START + 5, ok=3)
        web_one.flush(START + 5)
        web_two.flush(START + 5)

        window = reader.window(60, now=START + 10)

        assert (window.total, window.errors) == (10, 2)
    finally:
        reader.backend.client.delete(*reader.backend.client.keys(f"{prefix}:*"))  # type: ignore[attr-defined]
