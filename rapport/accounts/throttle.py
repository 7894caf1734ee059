"""A rate limit counted in the database, shared by every app process (no Redis needed)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import ThrottleEvent


def _hash(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def allow(*, scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Count one request for (scope, key); False when `limit` requests are already in `window`.

    Refused requests are not counted, so a blocked caller is free again once the window has
    passed. Old events of this key are pruned on the way.
    """
    now = timezone.now()
    digest = _hash(key)
    with transaction.atomic():
        events = ThrottleEvent.objects.filter(scope=scope, key=digest)
        events.filter(created_at__lt=now - window).delete()
        if events.count() >= limit:
            return False
        ThrottleEvent.objects.create(scope=scope, key=digest, created_at=now)
    return True
