"""The shop's legal details (name, address, tax number, contact) for receipts and mails.

One row, read through a short-lived cache on every receipt and mail, written only by
`update_shop_details` (managers, audited).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

from rapport.core import audit
from rapport.core.models import ShopDetails

CACHE_KEY = "core:shop-details"
FIELDS = ("legal_name", "address", "tax_number", "email", "phone")


def shop_details() -> ShopDetails:
    """The current details (an unsaved empty row before a manager has filled them in)."""
    details = cache.get(CACHE_KEY)
    if details is None:
        details = ShopDetails.objects.filter(pk=1).first() or ShopDetails(pk=1)
        cache.set(CACHE_KEY, details, 300)
    return details


def update_shop_details(*, actor: Any, **values: str) -> ShopDetails:
    """Save the shop's legal details (only the fields in `FIELDS`), audited; the next receipt
    and mail print them. Raises `ValueError` for an unknown field."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown shop detail fields: {sorted(unknown)}")
    with transaction.atomic():
        details, _created = ShopDetails.objects.select_for_update().get_or_create(pk=1)
        before = {name: getattr(details, name) for name in FIELDS}
        for name, value in values.items():
            setattr(details, name, value.strip())
        details.save()
        changed = sorted(name for name in FIELDS if getattr(details, name) != before[name])
        audit.record(
            action="shop.details_updated",
            actor=actor,
            target=details,
            summary="Shop details updated: " + (", ".join(changed) or "no change"),
            data={"changed": changed},
        )
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    cache.delete(CACHE_KEY)
    return details
