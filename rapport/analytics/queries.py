"""Reads for the report pages: the choices offered in the filters."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from rapport.analytics.models import SalesDay

CHOICES_KEY = "analytics:filter-choices:v2"


def filter_choices() -> dict[str, Any]:
    """Countries, channels and payment modes seen in the rollups, categories and segments
    (cached five minutes: they change rarely and the rollups are large)."""
    found = cache.get(CHOICES_KEY)
    if found is not None:
        return found
    from rapport.catalog.models import Category
    from rapport.segments.models import Segment

    def distinct(field: str) -> list[str]:
        return [
            v
            for v in SalesDay.objects.order_by(field).values_list(field, flat=True).distinct()
            if v
        ]

    from rapport.traffic.models import TrafficSource

    found = {
        "sources": list(TrafficSource.choices),
        "countries": distinct("country"),
        "channels": distinct("channel"),
        "payments": distinct("payment_method"),
        "categories": list(
            Category.objects.filter(parent__isnull=True).order_by("name").values_list("pk", "name")
        ),
        "segments": [
            (str(pk), name)
            for pk, name in Segment.objects.order_by("name").values_list("public_id", "name")
        ],
    }
    cache.set(CHOICES_KEY, found, 300)
    return found
