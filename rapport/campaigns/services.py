"""Writes for campaigns: compose, schedule, send in batches (exactly once), preview.

Sending: the audience is cut once into `SendBatch` slices by customer id; workers claim slices
with `SELECT … FOR UPDATE SKIP LOCKED` and write each slice's `Recipient` rows and outbox messages
in one transaction (`sending.deliver_many`), so several workers share one campaign; running it
twice, or again after a crash, reaches nobody twice and never mails the control group.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns.letters import CampaignContent, Letters
from rapport.campaigns.models import (
    AudienceKind,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Occasion,
    OccasionKind,
    Recipient,
    SendBatch,
    Topic,
    TopicOptOut,
    Variant,
)
from rapport.campaigns.sending import deliver_many
from rapport.catalog.models import Product
from rapport.core import audit
from rapport.customers.models import ContactKind, ContactPoint, Customer
from rapport.messaging import rendering
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


@dataclass
class _Content:
    """What every batch of one send needs: the versions and the mail writer (the campaign's
    products in stock, rendered once; one stencil per version and language)."""

    variants: list[Variant]
    letters: Letters

    @classmethod
    def of(cls, campaign: Campaign) -> _Content:
        content = CampaignContent(campaign, _in_stock(list(campaign.products.all())))
        return cls(
            variants=list(campaign.variants.all()), letters=Letters(campaign, content, TEMPLATE)
        )


def plan_batches(*, campaign: Campaign, size: int | None = None) -> int:
    """Cut the audience not yet reached into `SendBatch` slices of `size` customers, once per
    campaign (under the campaign row lock); returns how many slices were made (0: already cut).

    The slices cover every customer id from 0 up, the last one open-ended, so a customer who
    joins the audience during the send falls into exactly one slice."""
    size = size or settings.RAPPORT_CAMPAIGN_BATCH_SIZE
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if SendBatch.objects.filter(campaign=campaign).exists():
            return 0
        ids = list(pending(campaign).values_list("pk", flat=True))
        starts = [0, *ids[size::size]]
        SendBatch.objects.bulk_create(
            SendBatch(
                campaign=campaign,
                first_customer_id=first,
                last_customer_id=starts[i + 1] - 1 if i + 1 < len(starts) else None,
            )
            for i, first in enumerate(starts)
        )
        return len(starts)


def send_next_batch(*, campaign: Campaign, content: _Content | None = None) -> int | None:
    """Claim one undone slice (`FOR UPDATE SKIP LOCKED`: a slice another worker holds is
    passed over) and reach its customers in one transaction; returns how many rows were written,
    or None when no slice is left to claim. A crash rolls the slice back for the next worker."""
    content = content or _Content.of(campaign)
    with transaction.atomic():
        batch = (
            SendBatch.objects.select_for_update(skip_locked=True)
            .filter(campaign=campaign, done_at__isnull=True)
            .order_by("first_customer_id")
            .first()
        )
        if batch is None:
            return None
        people = audience(campaign).filter(pk__gte=batch.first_customer_id)
        if batch.last_customer_id is not None:
            people = people.filter(pk__lte=batch.last_customer_id)
        customers = list(people)
        written = 0
        if customers:
            written = deliver_many(
                campaign=campaign,
                customers=customers,
                variants=content.variants,
                letters=content.letters,
            )
        batch.done_at = timezone.now()
        batch.rows = written
        batch.save(update_fields=["done_at", "rows"])
        return written


def finish_campaign(*, campaign: Campaign, content: _Content | None = None) -> int:
    """When every slice is done: reach anyone still pending (normally nobody) and mark the
    campaign sent, under the campaign row lock. Returns the rows written; 0 and nothing changed
    while a slice is still being sent (its worker finishes the campaign)."""
    size = settings.RAPPORT_CAMPAIGN_BATCH_SIZE
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.SENDING or locked.finished_at is not None:
            return 0
        if SendBatch.objects.filter(campaign=locked, done_at__isnull=True).exists():
            return 0
        content = content or _Content.of(locked)
        total = 0
        while customers := list(pending(locked)[:size]):
            total += deliver_many(
                campaign=locked,
                customers=customers,
                variants=content.variants,
                letters=content.letters,
            )
        locked.status = CampaignStatus.SENT
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        return total


def send_campaign(*, campaign: Campaign, size: int | None = None) -> int:
    """Send a started campaign: cut it into slices (once), then claim and send slices until none
    is left, then finish it. Any number of workers may run this for the same campaign at once:
    they share its slices. Returns how many recipient rows this call wrote."""
    if campaign.status != CampaignStatus.SENDING:
        raise CampaignError(_("Start the campaign first."))
    plan_batches(campaign=campaign, size=size)
    content = _Content.of(campaign)
    total = 0
    while (written := send_next_batch(campaign=campaign, content=content)) is not None:
        total += written
    return total + finish_campaign(campaign=campaign, content=content)


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
    content = CampaignContent(campaign, _in_stock(list(campaign.products.all())))
    context = content.build(customer, variant)
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


def erase_customer_data(*, customer: Customer) -> dict[str, int]:
    """Erasure (called by `customers.services.erase_customer`, in its transaction): delete the
    customer's occasions and the topic opt-outs they made on their account page; keep their
    campaign rows and the opt-outs they made from a campaign's mail — both hang on the now
    anonymous record, so every campaign's counts, conversions and uplift stay as they were —
    with the occasion date taken out of reminder rows' keys."""
    rows = Recipient.objects.filter(customer=customer)
    keys = rows.exclude(key="").update(
        key=Concat(Value("erased:"), Cast("pk", output_field=CharField())), occasion=None
    )
    occasions, _by_kind = Occasion.objects.filter(customer=customer).delete()
    opt_outs, _by_kind = TopicOptOut.objects.filter(customer=customer, campaign=None).delete()
    return {"occasions": occasions, "topic_opt_outs": opt_outs, "recipient_keys": keys}


def merge_customer_data(*, source: Customer, target: Customer) -> dict[str, int]:
    """Merging records (called by `customers.services.merge_customers`, in its transaction):
    the loser's occasions, topic opt-outs and campaign rows move to the survivor, so the survivor
    keeps every opt-out (no mail about a topic either record stopped), is reminded of the
    loser's occasions, and the daily cap counts both records' mail. Where the survivor already
    has the same (a birthday, an opt-out of that topic, a row of that campaign and key), the
    survivor's is kept and the loser's stays behind on the merged record."""
    occasions = Occasion.objects.filter(customer=source)
    if Occasion.objects.filter(customer=target, kind=OccasionKind.BIRTHDAY).exists():
        occasions = occasions.exclude(kind=OccasionKind.BIRTHDAY)
    moved_occasions = occasions.update(customer=target)
    opt_outs = TopicOptOut.objects.filter(customer=source).exclude(
        topic__in=TopicOptOut.objects.filter(customer=target).values("topic")
    )
    moved_opt_outs = opt_outs.update(customer=target)
    taken = set(Recipient.objects.filter(customer=target).values_list("campaign_id", "key"))
    movable = [
        pk
        for pk, campaign_id, key in Recipient.objects.filter(customer=source).values_list(
            "pk", "campaign_id", "key"
        )
        if (campaign_id, key) not in taken
    ]
    moved_rows = Recipient.objects.filter(pk__in=movable).update(customer=target)
    return {
        "occasions": moved_occasions,
        "topic_opt_outs": moved_opt_outs,
        "recipients": moved_rows,
    }
