"""Occasion reminders: a personal mail a few days before a customer's occasion comes round.

The always-on campaign "Occasion reminders" (created on first use) carries them, so they have the
same control group, daily cap, topic opt-out and report as any campaign. A reminder is due from
`next_date - lead_days - RAPPORT_OCCASION_NOTICE_DAYS` (the customer's own lead time: when they
usually start buying for it) until the day before the date; the recipient key
`occasion:<id>:<date>` makes it at most one per occasion and year.

Products: what is in stock among what they bought for this occasion before, then the cross-sell
suggestions for those products (M4 rules, never out of stock), then the best sellers in stock of
the same categories; never an out-of-stock item.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from rapport.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Occasion,
    OccasionKind,
    Recipient,
    Topic,
    Variant,
)
from rapport.campaigns.sending import deliver, product_block
from rapport.catalog.models import Product
from rapport.customers.models import Customer
from rapport.orders.models import LineKind, OrderKind, OrderLine, OrderStatus
from rapport.recommendations.queries import suggest

ALWAYS_ON_NAME = "Occasion reminders"
PRODUCTS = 4


def occasion_campaign() -> Campaign:
    """The always-on campaign of occasion reminders (made on first use)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(kind=CampaignKind.ALWAYS_ON).first()
        if campaign is None:
            campaign = Campaign.objects.create(
                name=ALWAYS_ON_NAME,
                kind=CampaignKind.ALWAYS_ON,
                status=CampaignStatus.SENDING,
                topic=Topic.OCCASIONS,
                started_at=timezone.now(),
                personal_products=True,
            )
        return campaign


def send_on(occasion: Occasion) -> datetime.date:
    """The first day the occasion's reminder may go."""
    return occasion.next_date - datetime.timedelta(
        days=occasion.lead_days + settings.RAPPORT_OCCASION_NOTICE_DAYS
    )


def due_occasions(today: datetime.date) -> QuerySet[Occasion]:
    """Enabled occasions of active customers whose reminder window is open today."""
    latest = today + datetime.timedelta(days=60 + settings.RAPPORT_OCCASION_NOTICE_DAYS)
    return (
        Occasion.objects.filter(
            enabled=True,
            next_date__gt=today,
            next_date__lte=latest,
            customer__retired_at__isnull=True,
            customer__erased_at__isnull=True,
            customer__merged_into__isnull=True,
        )
        .select_related("customer")
        .order_by("next_date", "pk")
    )


def occasion_products(occasion: Occasion, *, limit: int = PRODUCTS) -> list[Product]:
    """In-stock products for this occasion (see the module docstring for the order)."""
    customer = occasion.customer
    days = [datetime.date.fromisoformat(d) for d in occasion.source_dates]
    bought: list[Product] = []
    if days:
        lines = (
            OrderLine.objects.filter(
                order__customer=customer,
                order__kind=OrderKind.ORDER,
                kind=LineKind.PRODUCT,
                product__isnull=False,
            )
            .exclude(order__status=OrderStatus.CANCELLED)
            .select_related("product")
            .order_by("-order__placed_at", "position")
        )
        for line in lines[:500]:
            if line.product is not None and timezone.localtime(line.order.placed_at).date() in days:
                bought.append(line.product)
    seeds = list({p.pk: p for p in bought}.values())[:20]
    picked: list[Product] = []
    in_stock = set(
        Product.objects.filter(
            pk__in=[p.pk for p in seeds], is_active=True, price__gt=0, stock__quantity__gt=0
        ).values_list("pk", flat=True)
    )
    picked.extend(p for p in seeds if p.pk in in_stock)
    picked = picked[: limit // 2]
    for suggestion in suggest(
        seeds, customer=customer, exclude=[p.pk for p in picked], limit=limit
    ):
        if len(picked) >= limit:
            break
        picked.append(suggestion.product)
    if len(picked) < limit:
        categories = {p.category_id for p in seeds if p.category_id}
        more = Product.objects.filter(is_active=True, price__gt=0, stock__quantity__gt=0).exclude(
            pk__in=[p.pk for p in picked]
        )
        more = more.filter(category_id__in=categories) if categories else more
        picked.extend(more.order_by("-popularity", "pk")[: limit - len(picked)])
    return picked[:limit]


def _context(occasion: Occasion) -> Any:
    def build(customer: Customer, variant: Variant | None) -> dict[str, Any]:
        language = customer.language or settings.LANGUAGE_CODE
        with translation.override(language):
            date = formats.date_format(occasion.next_date, "j F")
            label = occasion.name or (
                _("your birthday") if occasion.kind == OccasionKind.BIRTHDAY else ""
            )
        return {
            "occasion_name": label,
            "occasion_date": date,
            "products": product_block(occasion_products(occasion)),
        }

    return build


def remind(*, occasion: Occasion, campaign: Campaign, actor: Any = None) -> Recipient | None:
    """One occasion's reminder (or control-group row), at most once per occasion and year."""
    return deliver(
        campaign=campaign,
        customer=occasion.customer,
        variants=[],
        template="occasion_reminder",
        context=_context(occasion),
        key=f"occasion:{occasion.pk}:{occasion.next_date.isoformat()}",
        occasion=occasion,
        retry_when_capped=True,
        actor=actor,
    )


def send_due_reminders(*, today: datetime.date | None = None, limit: int | None = None) -> int:
    """Queue every reminder due today that was not sent yet; returns how many rows were written
    (mailed, control or skipped). Idempotent: run it as often as you like."""
    today = today or timezone.localdate()
    campaign = occasion_campaign()
    # Keys carry the occasion's date, so only this season's rows can match (no full history).
    done = set(
        Recipient.objects.filter(
            campaign=campaign,
            occasion__isnull=False,
            created_at__gte=timezone.now() - datetime.timedelta(days=90),
        ).values_list("key", flat=True)
    )
    written = 0
    for occasion in due_occasions(today).iterator(chunk_size=500):
        if send_on(occasion) > today:
            continue
        if f"occasion:{occasion.pk}:{occasion.next_date.isoformat()}" in done:
            continue
        if remind(occasion=occasion, campaign=campaign) is not None:
            written += 1
            if limit is not None and written >= limit:
                break
    return written
