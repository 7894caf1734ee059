"""Cache keys for personalised pages.

Home blocks are rendered once per *combination of segments* (not per person) and stored under
the segments version and the catalogue version: any segment or block edit, any membership
refresh, and any catalogue change make them stale together. A customer's segment ids and their
personalisation are cached per customer and dropped when they change.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

VERSION_KEY = "segments:version"
TIMEOUT = 600


def version() -> int:
    """The current segments version (starts at 1; shared by every worker through the cache)."""
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        value = cache.get(VERSION_KEY, 1)
    return int(value)


def bump_version() -> None:
    """Make every cached segment membership and rendered block go stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def personalisation_key(user_id: Any) -> str:
    return f"segments:personal:{user_id}"


def forget_personalisation(user_id: Any) -> None:
    if user_id is not None:
        cache.delete(personalisation_key(user_id))
