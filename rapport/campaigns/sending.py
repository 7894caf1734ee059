"""One recipient's copy of a campaign, exactly once: control group, topic, daily cap, outbox.

`deliver` is the only place campaign mail (one-off campaigns and occasion reminders) is queued.
In one transaction it writes the `Recipient` row (unique per campaign, customer and key) and the
outbox message, so a crash half-way leaves both or neither and a re-send skips everyone done.

- Control group: decided by a hash of the campaign and the customer, not by a random draw kept
  somewhere, so a customer in the control group stays there on every re-send, also after a crash
  that lost their row: control members get a row and never a message.
- Topic: a customer who unsubscribed from the campaign's topic gets a row (skipped), no message.
- Daily cap: under the customer's contact-budget row lock (the same lock `queue_message` takes,
  so concurrent campaigns serialise per customer) at most RAPPORT_CAMPAIGN_DAILY_CAP campaign
  mails per local day. The weekly contact budget, consent and quiet hours are then applied by
  `queue_message` itself.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns.models import Campaign, Occasion, Recipient, TopicOptOut, Variant
from rapport.catalog.models import Product
from rapport.core.paths import PathPattern
from rapport.customers.models import Customer, Purpose
from rapport.messaging import budget, tokens
from rapport.messaging.batch import lock_budgets, queue_messages
from rapport.messaging.rendering import PATH_SAMPLE, token_url
from rapport.messaging.services import MessageRefused, queue_message

if TYPE_CHECKING:
    from rapport.campaigns.letters import Letters

TOPIC_SALT = "rapport.campaigns.topic"
CAPPED = "daily cap"
TOPIC_UNSUBSCRIBE_PATH = PathPattern("storefront:campaign_topic_unsubscribe", token=PATH_SAMPLE)


def _unit(campaign: Campaign, customer_id: int, salt: str) -> float:
    digest = hashlib.sha256(f"{campaign.public_id}:{customer_id}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_control(campaign: Campaign, customer_id: int) -> bool:
    """True when the customer is in the campaign's control group (stable for ever)."""
    return _unit(campaign, customer_id, "control") < campaign.control_percent / 100


def variant_for(
    campaign: Campaign, customer_id: int, variants: Sequence[Variant]
) -> Variant | None:
    """The A/B variant a (non-control) customer gets: an even, stable split."""
    if not variants:
        return None
    return variants[int(_unit(campaign, customer_id, "variant") * len(variants))]


def topic_token(customer: Customer, campaign: Campaign) -> str:
    return tokens.dumps(
        {"c": str(customer.public_id), "t": campaign.topic, "k": campaign.pk}, salt=TOPIC_SALT
    )


def read_topic_token(token: str) -> dict[str, Any] | None:
    try:
        payload = signing.loads(token, salt=TOPIC_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not {"c", "t", "k"} <= set(payload):
        return None
    return payload


def local_day_start(customer: Customer, now: datetime.datetime) -> datetime.datetime:
    local = now.astimezone(customer.tzinfo)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def product_block(products: Sequence[Product]) -> list[dict[str, str]]:
    """Products as the mail templates show them (name, price, absolute link)."""
    return [
        {
            "name": p.name,
            "price": str(p.price),
            "url": f"{settings.RAPPORT_SITE_URL}{p.get_absolute_url()}",
        }
        for p in products
    ]


def _extras(customer: Customer, campaign: Campaign) -> dict[str, str]:
    return {
        "topic_unsubscribe_url": token_url(TOPIC_UNSUBSCRIBE_PATH, topic_token(customer, campaign)),
        "topic_label": str(campaign.get_topic_display()),
    }


def deliver(
    *,
    campaign: Campaign,
    customer: Customer,
    variants: Sequence[Variant],
    template: str,
    context: Callable[[Customer, Variant | None], dict[str, Any]],
    key: str = "",
    occasion: Occasion | None = None,
    retry_when_capped: bool = False,
    actor: Any = None,
) -> Recipient | None:
    """Reach one customer with a campaign. Returns the row, or None when it was already done
    (someone else wrote it) or — with `retry_when_capped` — when the daily cap says "not today"
    (nothing is written then, so a later run tries again)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row = Recipient(
                campaign=campaign, customer=customer, key=key, occasion=occasion, created_at=now
            )
            if is_control(campaign, customer.pk):
                row.is_control = True
                row.save()
                return row
            row.variant = variant_for(campaign, customer.pk, variants)
            if TopicOptOut.objects.filter(customer=customer, topic=campaign.topic).exists():
                row.skipped_reason = _("Unsubscribed from this topic")
                row.save()
                return row
            budget.lock_budget(customer)
            today = Recipient.objects.filter(
                customer=customer,
                message__isnull=False,
                created_at__gte=local_day_start(customer, now),
            ).count()
            if today >= settings.RAPPORT_CAMPAIGN_DAILY_CAP:
                if retry_when_capped:
                    return None
                row.skipped_reason = CAPPED
                row.save()
                return row
            try:
                with transaction.atomic():
                    row.message = queue_message(
                        customer=customer,
                        template=template,
                        context={**context(customer, row.variant), **_extras(customer, campaign)},
                        purpose=Purpose.MARKETING,
                        actor=actor,
                    )
            except MessageRefused as exc:
                row.skipped_reason = str(exc)[:200]
            row.save()
            return row
    except IntegrityError:
        return None


def deliver_many(
    *,
    campaign: Campaign,
    customers: Sequence[Customer],
    variants: Sequence[Variant],
    letters: Letters,
    actor: Any = None,
) -> int:
    """`deliver` for a batch of customers of a one-off campaign, with set-based reads and bulk
    writes (`messaging.batch.queue_messages`): the same control group, topic, daily-cap,
    consent, budget and quiet-hour rules, in one transaction. The caller holds the lock that
    makes these customers its own (a claimed `SendBatch` row, or the campaign row for the final
    sweep), so nobody is reached twice; customers who already have a row are left out. Returns
    how many recipient rows were written."""
    now = timezone.now()
    with transaction.atomic():
        done = set(
            Recipient.objects.filter(
                campaign=campaign, key="", customer__in=[c.pk for c in customers]
            ).values_list("customer_id", flat=True)
        )
        todo = [c for c in customers if c.pk not in done]
        rows: list[Recipient] = []
        mail: list[Recipient] = []
        opted = set(
            TopicOptOut.objects.filter(
                customer__in=[c.pk for c in todo], topic=campaign.topic
            ).values_list("customer_id", flat=True)
        )
        for customer in todo:
            row = Recipient(campaign=campaign, customer=customer, created_at=now)
            rows.append(row)
            if is_control(campaign, customer.pk):
                row.is_control = True
                continue
            row.variant = variant_for(campaign, customer.pk, variants)
            if customer.pk in opted:
                row.skipped_reason = _("Unsubscribed from this topic")
                continue
            mail.append(row)
        if mail:
            lock_budgets([r.customer.pk for r in mail])
            recent: dict[int, list[datetime.datetime]] = {}
            for customer_id, created_at in Recipient.objects.filter(
                customer__in=[r.customer.pk for r in mail],
                message__isnull=False,
                created_at__gte=now - datetime.timedelta(days=2),
            ).values_list("customer_id", "created_at"):
                recent.setdefault(customer_id, []).append(created_at)
            allowed: list[Recipient] = []
            for row in mail:
                start = local_day_start(row.customer, now)
                today = sum(1 for at in recent.get(row.customer.pk, []) if at >= start)
                if today >= settings.RAPPORT_CAMPAIGN_DAILY_CAP:
                    row.skipped_reason = CAPPED
                else:
                    allowed.append(row)
            results = queue_messages(
                items=[
                    (row.customer, letters.letter(row.customer, row.variant)) for row in allowed
                ],
                template=letters.templates.name,
                budgets_locked=True,
                purpose=Purpose.MARKETING,
                actor=actor,
            )
            for row, result in zip(allowed, results, strict=True):
                if isinstance(result, MessageRefused):
                    row.skipped_reason = str(result)[:200]
                else:
                    row.message = result
        Recipient.objects.bulk_create(rows, batch_size=1000)
        return len(rows)
