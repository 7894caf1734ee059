"""Reads of the traffic log for the storefront: should this visitor be offered live chat?"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rapport.traffic.intent import INVITE_THRESHOLD
from rapport.traffic.log import VISIT_GAP, visitor_key
from rapport.traffic.models import TrafficSource, Visit


def should_invite(request: Any) -> bool:
    """True when the visitor's current visit (same daily hash, active in the last 30 minutes)
    scores at least the invitation threshold and has not ordered. The page asks only after the
    visitor has lingered on it (the hesitation); nobody is invited who asked not to be tracked."""
    if request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1":
        return False
    now = timezone.now()
    key = visitor_key(
        request.META.get("REMOTE_ADDR", ""), request.headers.get("User-Agent", ""), now.date()
    )
    visit = (
        Visit.objects.filter(source=TrafficSource.SITE, key=key, last_seen_at__gte=now - VISIT_GAP)
        .order_by("-last_seen_at")
        .only("intent", "orders")
        .first()
    )
    return bool(
        visit and visit.intent is not None and visit.intent >= INVITE_THRESHOLD and not visit.orders
    )
