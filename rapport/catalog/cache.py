"""A catalogue version number: rendered fragments are cached under it and go stale together."""

from __future__ import annotations

from django.core.cache import cache

KEY = "catalog:version"


def version() -> int:
    """The current catalogue version (starts at 1; shared by every worker through the cache)."""
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, 1, timeout=None)
        value = cache.get(KEY, 1)
    return int(value)


def bump_version() -> None:
    """Make every cached catalogue fragment stale (prices, stock, names or images changed)."""
    try:
        cache.incr(KEY)
    except ValueError:
        cache.set(KEY, 2, timeout=None)
