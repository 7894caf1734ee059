"""Writes: price lists, who they apply to, and their items. Each change is audited."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.core import audit
from rapport.customers.models import Customer
from rapport.pricing.models import PriceList, PriceListCustomer, PriceListItem
from rapport.segments.models import Segment


class PricingError(Exception):
    """A price list change that cannot be made; the message is safe to show. Nothing was written."""


def save_price_list(
    *,
    actor: Any,
    name: str,
    priority: int = 0,
    is_active: bool = True,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    vip_tier: str = "",
    segment: Segment | None = None,
    price_list: PriceList | None = None,
) -> PriceList:
    """Create a list, or change `price_list`'s settings."""
    name = (name or "").strip()
    if not name:
        raise PricingError(_("Give the price list a name."))
    if valid_from and valid_until and valid_until < valid_from:
        raise PricingError(_("The list cannot end before it starts."))
    if priority < 0:
        raise PricingError(_("The priority cannot be negative."))
    with transaction.atomic():
        created = price_list is None
        target = price_list or PriceList()
        if not created:
            target = PriceList.objects.select_for_update().get(pk=target.pk)
        target.name = name[:120]
        target.priority = priority
        target.is_active = is_active
        target.valid_from, target.valid_until = valid_from, valid_until
        target.vip_tier = vip_tier or ""
        target.segment = segment
        target.save()
        audit.record(
            action="pricing.list_created" if created else "pricing.list_changed",
            actor=actor,
            target=target,
            summary=f"Price list “{target.name}” {'created' if created else 'changed'}",
            data={
                "priority": priority,
                "active": is_active,
                "valid_from": str(valid_from or ""),
                "valid_until": str(valid_until or ""),
                "vip_tier": target.vip_tier,
                "segment": segment.pk if segment else None,
            },
        )
        return target


def add_customer(*, price_list: PriceList, customer: Customer, actor: Any) -> None:
    with transaction.atomic():
        _, created = PriceListCustomer.objects.get_or_create(
            price_list=price_list, customer=customer
        )
        if created:
            audit.record(
                action="pricing.customer_added",
                actor=actor,
                target=price_list,
                customer=customer,
                summary=f"Price list “{price_list.name}” now applies to this customer",
            )


def remove_customer(*, price_list: PriceList, customer: Customer, actor: Any) -> None:
    with transaction.atomic():
        deleted, _rows = PriceListCustomer.objects.filter(
            price_list=price_list, customer=customer
        ).delete()
        if deleted:
            audit.record(
                action="pricing.customer_removed",
                actor=actor,
                target=price_list,
                customer=customer,
                summary=f"Price list “{price_list.name}” no longer applies to this customer",
            )


def save_item(
    *,
    price_list: PriceList,
    product: Product,
    min_quantity: int,
    actor: Any,
    fixed_price: Decimal | None = None,
    percent_off: Decimal | None = None,
) -> PriceListItem:
    """Set the rule for `product` from `min_quantity` units on (replacing the one there was):
    a fixed unit price or a percentage off the list price, exactly one of them."""
    if (fixed_price is None) == (percent_off is None):
        raise PricingError(_("Give either a fixed price or a percentage off, not both."))
    if min_quantity < 1:
        raise PricingError(_("The quantity must be at least 1."))
    if fixed_price is not None and fixed_price < 0:
        raise PricingError(_("A price cannot be negative."))
    if percent_off is not None and not Decimal(0) <= percent_off <= Decimal(100):
        raise PricingError(_("The percentage must be between 0 and 100."))
    with transaction.atomic():
        item, created = PriceListItem.objects.update_or_create(
            price_list=price_list,
            product=product,
            min_quantity=min_quantity,
            defaults={"fixed_price": fixed_price, "percent_off": percent_off},
        )
        rule = f"{fixed_price}" if fixed_price is not None else f"-{percent_off}%"
        audit.record(
            action="pricing.item_saved",
            actor=actor,
            target=price_list,
            summary=f"Price list “{price_list.name}”: {product.sku or product.name} "
            f"from {min_quantity} at {rule}",
            data={
                "product": product.pk,
                "min_quantity": min_quantity,
                "fixed_price": str(fixed_price) if fixed_price is not None else None,
                "percent_off": str(percent_off) if percent_off is not None else None,
                "created": created,
            },
        )
        return item


def delete_item(*, item: PriceListItem, actor: Any) -> None:
    with transaction.atomic():
        price_list = item.price_list
        data = {"product": item.product_id, "min_quantity": item.min_quantity}
        item.delete()
        audit.record(
            action="pricing.item_deleted",
            actor=actor,
            target=price_list,
            summary=f"Price list “{price_list.name}”: a rule removed",
            data=data,
        )
