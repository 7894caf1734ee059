"""Rate limits per token, per user and per address, counted in Django's cache.

A fixed window per minute: `cache.add` opens the window's counter and `cache.incr` counts (both
atomic on Redis, the production cache). Past the limit the call gets 429 with Retry-After (the
seconds left in the window). Limits are settings (see docs/api.md).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60  # seconds


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


def limit_for(kind: str) -> int:
    """Calls per minute: "token", "user" (a browser session), "device" (an enrolled
    device's signed calls) or "address" (anonymous)."""
    limits = {
        "token": settings.RAPPORT_API_RATE_TOKEN,
        "user": settings.RAPPORT_API_RATE_USER,
        "address": settings.RAPPORT_API_RATE_ANONYMOUS,
        "device": settings.RAPPORT_API_RATE_DEVICE,
    }
    return int(limits[kind])


def hit(kind: str, ident: str) -> None:
    """Count one call for `ident`; raise RateLimited when it is over its kind's limit."""
    now = time.time()
    window = int(now // WINDOW)
    key = f"api:rate:{kind}:{ident}:{window}"
    cache.add(key, 0, WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start again
        cache.set(key, 1, WINDOW + 5)
        count = 1
    if count > limit_for(kind):
        raise RateLimited(retry_after=max(1, int((window + 1) * WINDOW - now) + 1))
