"""Writes for campaigns: compose, schedule, send in batches (exactly once), preview.

Sending follows the upgrade-notice pattern: the audience is read in primary-key order, everyone
without a `Recipient` row is handled by `sending.deliver` (row + outbox message in one
transaction), batch after batch, until nobody is left; running it twice, or again after a crash,
reaches nobody twice and never mails the control group.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns.models import (
    AudienceKind,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Occasion,
    Recipient,
    Topic,
    TopicOptOut,
    Variant,
)
from rapport.campaigns.sending import deliver_many, product_block
from rapport.catalog.models import Product
from rapport.core import audit
from rapport.customers.models import ContactKind, ContactPoint, Customer
from rapport.messaging import rendering
from rapport.recommendations.queries import for_returning_customer
from rapport.segments.models import Segment

TEMPLATE = "campaign"
MAX_LIST = 10_000


class CampaignError(Exception):
    """A campaign change that cannot be made; the message is for the manager."""


def _emails(text: str) -> list[str]:
    found = [line.strip().lower() for line in text.replace(",", "\n").splitlines()]
    return list(dict.fromkeys(e for e in found if e))


def _check(
    *,
    name: str,
    audience_kind: str,
    segment: Segment | None,
    audience_list: str,
    variants: Sequence[tuple[str, str]],
    control_percent: int,
    attribution_days: int,
) -> None:
    if not name.strip():
        raise CampaignError(_("Give the campaign a name."))
    if audience_kind not in AudienceKind.values:
        raise CampaignError(_("Choose an audience."))
    if audience_kind == AudienceKind.SEGMENT and segment is None:
        raise CampaignError(_("Choose a segment."))
    if audience_kind == AudienceKind.LIST:
        emails = _emails(audience_list)
        if not emails:
            raise CampaignError(_("Enter at least one email address."))
        if len(emails) > MAX_LIST:
            raise CampaignError(_("At most 10,000 addresses in a list."))
    if not variants or not 1 <= len(variants) <= 2:
        raise CampaignError(_("Write one or two versions (A/B)."))
    for subject, body in variants:
        if not subject.strip() or not body.strip():
            raise CampaignError(_("Every version needs a subject and a text."))
        if len(subject) > 200:
            raise CampaignError(_("Keep the subject under 200 characters."))
    if not 0 <= control_percent <= 50:
        raise CampaignError(_("The control group is between 0 and 50 %."))
    if not 1 <= attribution_days <= 60:
        raise CampaignError(_("The attribution window is between 1 and 60 days."))


def save_campaign(
    *,
    actor: Any,
    campaign: Campaign | None = None,
    name: str,
    topic: str = Topic.OFFERS,
    audience_kind: str,
    segment: Segment | None = None,
    occasion_within_days: int = 30,
    audience_list: str = "",
    variants: Sequence[tuple[str, str]],
    products: Sequence[Product] = (),
    personal_products: bool = True,
    control_percent: int = 10,
    attribution_days: int = 7,
    scheduled_at: datetime.datetime | None = None,
) -> Campaign:
    """Create a draft campaign, or change one that has not started sending.

    Raises CampaignError for missing parts (name, audience, versions) or a campaign already sent.
    """
    _check(
        name=name,
        audience_kind=audience_kind,
        segment=segment,
        audience_list=audience_list,
        variants=variants,
        control_percent=control_percent,
        attribution_days=attribution_days,
    )
    if topic not in Topic.values:
        raise CampaignError(_("Choose a topic."))
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign(created_by=actor if getattr(actor, "pk", None) else None)
            action = "campaign.created"
        else:
            campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if campaign.kind != CampaignKind.ONE_OFF or campaign.status not in (
                CampaignStatus.DRAFT,
                CampaignStatus.SCHEDULED,
            ):
                raise CampaignError(_("A campaign that started sending cannot be changed."))
            action = "campaign.changed"
        campaign.name = name.strip()[:120]
        campaign.topic = topic
        campaign.audience_kind = audience_kind
        campaign.segment = segment if audience_kind == AudienceKind.SEGMENT else None
        campaign.occasion_within_days = max(1, min(occasion_within_days, 365))
        campaign.audience_list = (
            "\n".join(_emails(audience_list)) if audience_kind == AudienceKind.LIST else ""
        )
        campaign.personal_products = personal_products
        campaign.control_percent = control_percent
        campaign.attribution_days = attribution_days
        campaign.scheduled_at = scheduled_at
        campaign.status = CampaignStatus.SCHEDULED if scheduled_at else CampaignStatus.DRAFT
        campaign.save()
        campaign.products.set(products)
        campaign.variants.all().delete()
        Variant.objects.bulk_create(
            Variant(campaign=campaign, label="AB"[i], subject=s.strip(), body=b.strip())
            for i, (s, b) in enumerate(variants)
        )
        audit.record(action=action, actor=actor, target=campaign, summary=campaign.name)
        return campaign


def audience(campaign: Campaign, *, today: datetime.date | None = None) -> QuerySet[Customer]:
    """Everyone the campaign is meant for (control group included), in primary-key order."""
    people = Customer.objects.active()
    if campaign.audience_kind == AudienceKind.SEGMENT:
        people = people.filter(segment_memberships__segment=campaign.segment)
    elif campaign.audience_kind == AudienceKind.OCCASION:
        today = today or timezone.localdate()
        soon = Occasion.objects.filter(
            enabled=True,
            next_date__gte=today,
            next_date__lte=today + datetime.timedelta(days=campaign.occasion_within_days),
        ).values("customer_id")
        people = people.filter(pk__in=soon)
    else:
        emails = _emails(campaign.audience_list)
        by_point = ContactPoint.objects.filter(kind=ContactKind.EMAIL, value__in=emails).values(
            "customer_id"
        )
        people = people.filter(Q(email__in=emails) | Q(pk__in=by_point))
    return people.distinct().order_by("pk")


def pending(campaign: Campaign) -> QuerySet[Customer]:
    done = Recipient.objects.filter(campaign=campaign).values("customer_id")
    return audience(campaign).exclude(pk__in=done)


def _in_stock(products: Sequence[Product]) -> list[Product]:
    ids = set(
        Product.objects.filter(
            pk__in=[p.pk for p in products], is_active=True, price__gt=0, stock__quantity__gt=0
        ).values_list("pk", flat=True)
    )
    return [p for p in products if p.pk in ids]


def content_for(
    campaign: Campaign, fixed: Sequence[Product]
) -> Callable[[Customer, Variant | None], dict[str, Any]]:
    """The template context for one recipient: their version's subject and text (with `{name}`
    replaced by their name), the campaign's products in stock, then picks for them.

    The product list is rendered (HTML and text; it reads the same in every language) once for
    everybody who gets just the campaign's products, not once a mail."""

    block = product_block(fixed)
    shared = _rendered_products(block)

    def build(customer: Customer, variant: Variant | None) -> dict[str, Any]:
        name = customer.name or _("there")
        products, rendered = block, shared
        if campaign.personal_products and len(fixed) < 4:
            taken = {p.pk for p in fixed}
            extra = [
                s.product
                for s in for_returning_customer(customer, limit=4)
                if s.product.pk not in taken
            ]
            if extra:
                products = block + product_block(extra[: 4 - len(fixed)])
                rendered = _rendered_products(products)
        return {
            "subject": (variant.subject if variant else campaign.name).replace("{name}", name),
            "body": (variant.body if variant else "").replace("{name}", name),
            "products": products,
            **rendered,
        }

    return build


def _rendered_products(products: list[dict[str, str]]) -> dict[str, str]:
    context = {"products": products}
    return {
        "products_html": render_to_string("campaigns/_mail_products.html", context),
        "products_text": render_to_string("campaigns/_mail_products.txt", context, using="text"),
    }


def start_campaign(
    *, campaign: Campaign, actor: Any, enqueue: Callable[[int], None] | None = None
) -> Campaign:
    """Mark the campaign as sending (once) and hand it to the worker after commit (`enqueue`,
    the task's `delay`). Starting again only restarts the idempotent send.
    Raises CampaignError for an always-on campaign or one without versions."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.kind != CampaignKind.ONE_OFF:
            raise CampaignError(_("Occasion reminders send themselves."))
        if not locked.variants.exists():
            raise CampaignError(_("Write at least one version first."))
        if locked.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            locked.status = CampaignStatus.SENDING
            locked.started_at = timezone.now()
            locked.save(update_fields=["status", "started_at", "updated_at"])
            audit.record(action="campaign.started", actor=actor, target=locked, summary=locked.name)
        if enqueue is not None:
            pk = locked.pk
            transaction.on_commit(lambda: enqueue(pk))
        return locked


def send_batch(*, campaign: Campaign, size: int | None = None) -> int:
    """Reach the next `size` customers not yet handled; returns how many rows were written."""
    size = size or settings.RAPPORT_CAMPAIGN_BATCH_SIZE
    variants = list(campaign.variants.all())
    fixed = _in_stock(list(campaign.products.all()))
    build = content_for(campaign, fixed)
    customers = list(pending(campaign)[:size])
    if not customers:
        return 0
    return deliver_many(
        campaign=campaign, customers=customers, variants=variants, template=TEMPLATE, context=build
    )


def send_campaign(*, campaign: Campaign, size: int | None = None) -> int:
    """Batches until the whole audience is handled, then mark the campaign sent."""
    if campaign.status != CampaignStatus.SENDING:
        raise CampaignError(_("Start the campaign first."))
    total = 0
    while True:
        handled = send_batch(campaign=campaign, size=size)
        total += handled
        if handled == 0 and not pending(campaign).exists():
            break
    Campaign.objects.filter(pk=campaign.pk, finished_at__isnull=True).update(
        status=CampaignStatus.SENT, finished_at=timezone.now()
    )
    return total


def due_campaigns(now: datetime.datetime | None = None) -> QuerySet[Campaign]:
    """Scheduled campaigns whose time has come, and sends a crash left half-way."""
    now = now or timezone.now()
    return Campaign.objects.filter(kind=CampaignKind.ONE_OFF).filter(
        Q(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now) | Q(status=CampaignStatus.SENDING)
    )


def preview(*, campaign: Campaign, customer: Customer) -> dict[str, Any]:
    """What this customer would receive (subject, text, HTML), rendered but never stored or sent,
    and whether they would be in the control group."""
    from rapport.campaigns.sending import is_control, variant_for

    variants = list(campaign.variants.all())
    variant = variant_for(campaign, customer.pk, variants)
    context = content_for(campaign, _in_stock(list(campaign.products.all())))(customer, variant)
    context["topic_unsubscribe_url"] = "#"
    context["topic_label"] = campaign.get_topic_display()
    rendered = rendering.render(
        template=TEMPLATE,
        context=context,
        customer=customer,
        public_id=uuid.uuid4(),
        message_id="<preview@localhost>",
        purpose="marketing",
    )
    return {
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "variant": variant,
        "is_control": is_control(campaign, customer.pk),
    }


def unsubscribe_topic(
    *, customer: Customer, topic: str, actor: Any, campaign: Campaign | None = None
) -> bool:
    """Stop mail about one topic; returns False when it was already stopped."""
    if topic not in Topic.values:
        raise CampaignError(_("Unknown topic."))
    with transaction.atomic():
        _row, created = TopicOptOut.objects.get_or_create(
            customer=customer, topic=topic, defaults={"campaign": campaign}
        )
        if created:
            audit.record(
                action="campaign.topic_unsubscribed",
                actor=actor,
                target=campaign,
                customer=customer,
                summary=f"Unsubscribed from {Topic(topic).label}",
            )
        return created


def resubscribe_topic(*, customer: Customer, topic: str, actor: Any) -> bool:
    """Allow mail about a topic again; returns False when it was not stopped."""
    with transaction.atomic():
        deleted, _rows = TopicOptOut.objects.filter(customer=customer, topic=topic).delete()
        if deleted:
            audit.record(
                action="campaign.topic_resubscribed",
                actor=actor,
                customer=customer,
                summary=f"Mail about {Topic(topic).label} allowed again",
            )
        return bool(deleted)
