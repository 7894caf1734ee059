"""Writes for segments: define and edit segments, hand-pick members, compose home-page blocks,
recompute RFM and materialised memberships, and save a customer's personalisation.

Every edit that changes what a home page shows bumps the segments cache version (see
`rapport.segments.cache`) after commit, so cached block renderings go stale together.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Category
from rapport.core import audit
from rapport.customers.models import Customer
from rapport.segments import cache, rfm
from rapport.segments.models import (
    HIDEABLE_BLOCKS,
    BlockKind,
    CarouselMode,
    HomeBlock,
    NewsTopic,
    Personalisation,
    Segment,
    SegmentKind,
    SegmentMembership,
    Theme,
)
from rapport.segments.rules import RuleError, compile_rule, validate_rule


class SegmentError(Exception):
    """A segment edit that cannot be done (the message is shown to the manager)."""


def _after_commit_bump() -> None:
    # Now (this request sees its own edit) and again after commit (a page rendered by another
    # worker between the two must not stay cached under the new version).
    cache.bump_version()
    transaction.on_commit(cache.bump_version)


def save_segment(
    *,
    actor: Any,
    segment: Segment | None = None,
    name: str,
    description: str = "",
    kind: str = SegmentKind.RULE,
    rule: dict[str, Any] | None = None,
    priority: int = 100,
    is_active: bool = True,
) -> Segment:
    """Create or update a segment and refresh its members. Raises `RuleError` for a bad rule
    (nothing is saved) and `SegmentError` for a duplicate name."""
    name = name.strip()
    if not name:
        raise SegmentError(_("A segment needs a name."))
    if kind not in SegmentKind.values:
        raise SegmentError(_("Unknown segment kind."))
    rule = rule or {}
    if kind == SegmentKind.RULE:
        validate_rule(rule)
    with transaction.atomic():
        taken = Segment.objects.filter(name__iexact=name)
        if segment is not None:
            segment = Segment.objects.select_for_update().get(pk=segment.pk)
            taken = taken.exclude(pk=segment.pk)
        if taken.exists():
            raise SegmentError(_("A segment with this name already exists."))
        created = segment is None
        if segment is None:
            segment = Segment(name=name)
        segment.name = name
        segment.description = description
        segment.kind = kind
        segment.rule = rule if kind == SegmentKind.RULE else {}
        segment.priority = priority
        segment.is_active = is_active
        segment.save()
        audit.record(
            action="segment.created" if created else "segment.changed",
            actor=actor,
            target=segment,
            summary=str(segment),
            data={"kind": kind, "rule": segment.rule, "priority": priority},
        )
        _refresh(segment)
        _after_commit_bump()
    return segment


def add_static_members(*, actor: Any, segment: Segment, customers: Iterable[Customer]) -> int:
    """Hand-pick customers into a static segment; returns how many were new."""
    if segment.kind != SegmentKind.STATIC:
        raise SegmentError(_("Only hand-picked segments take members by hand."))
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        wanted = {c.pk for c in customers}
        have = set(
            SegmentMembership.objects.filter(segment=segment, customer_id__in=wanted).values_list(
                "customer_id", flat=True
            )
        )
        new = sorted(wanted - have)
        SegmentMembership.objects.bulk_create(
            [SegmentMembership(segment=segment, customer_id=pk) for pk in new]
        )
        _count(segment)
        audit.record(
            action="segment.members_added",
            actor=actor,
            target=segment,
            summary=str(segment),
            data={"customers": new},
        )
        _after_commit_bump()
    return len(new)


def remove_static_member(*, actor: Any, segment: Segment, customer: Customer) -> None:
    """Take one customer out of a hand-picked segment (no-op when not a member)."""
    if segment.kind != SegmentKind.STATIC:
        raise SegmentError(_("Only hand-picked segments take members by hand."))
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        SegmentMembership.objects.filter(segment=segment, customer=customer).delete()
        _count(segment)
        audit.record(
            action="segment.member_removed",
            actor=actor,
            target=segment,
            customer=customer,
            summary=str(segment),
        )
        _after_commit_bump()


def add_block(
    *,
    actor: Any,
    segment: Segment,
    kind: str,
    title: str = "",
    text: str = "",
    categories: Iterable[Category] = (),
    carousel_mode: str = CarouselMode.BEST_SELLERS,
    topic: str = "",
    limit: int = 8,
    position: int | None = None,
) -> HomeBlock:
    """Add a block to a segment's home page (at the end unless `position` is given)."""
    if kind not in BlockKind.values:
        raise SegmentError(_("Unknown block kind."))
    if carousel_mode not in CarouselMode.values:
        raise SegmentError(_("Unknown carousel mode."))
    if topic and topic not in NewsTopic.values:
        raise SegmentError(_("Unknown news topic."))
    categories = list(categories)
    if kind in (BlockKind.CATEGORIES, BlockKind.CAROUSEL) and not categories:
        raise SegmentError(_("Pick at least one category for this block."))
    if kind == BlockKind.HERO and not title.strip():
        raise SegmentError(_("A hero banner needs a title."))
    if not 1 <= limit <= 24:
        raise SegmentError(_("Show between 1 and 24 products."))
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        if position is None:
            position = segment.blocks.count()
        block = HomeBlock.objects.create(
            segment=segment,
            kind=kind,
            title=title.strip(),
            text=text.strip(),
            carousel_mode=carousel_mode,
            topic=topic,
            limit=limit,
            position=position,
        )
        block.categories.set(categories)
        audit.record(
            action="segment.block_added",
            actor=actor,
            target=segment,
            summary=f"{segment}: {block.get_kind_display()}",
            data={"block": block.pk, "kind": kind},
        )
        _after_commit_bump()
    return block


def delete_block(*, actor: Any, block: HomeBlock) -> None:
    """Remove a block from its segment's home page."""
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=block.segment_id)
        audit.record(
            action="segment.block_deleted",
            actor=actor,
            target=segment,
            summary=f"{segment}: {block.get_kind_display()}",
            data={"block": block.pk, "kind": block.kind},
        )
        block.delete()
        _after_commit_bump()


def compute_rfm(*, actor: Any = None) -> int:
    """Recompute every customer's RFM scores in one statement; returns rows written."""
    now = timezone.now()
    with transaction.atomic():
        written = rfm.compute_all(now=now)
        audit.record(action="segments.rfm_computed", actor=actor, data={"customers": written})
    return written


def refresh_segments(*, actor: Any = None) -> dict[str, int]:
    """Re-materialise the members of every active rule segment; returns name → member count."""
    counts: dict[str, int] = {}
    for pk in Segment.objects.filter(kind=SegmentKind.RULE, is_active=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            segment = Segment.objects.select_for_update().get(pk=pk)
            _refresh(segment)
            counts[segment.name] = segment.member_count
    _after_commit_bump()
    return counts


def _refresh(segment: Segment) -> None:
    """Make the membership table match the rule (diff: insert new, delete gone)."""
    if segment.kind == SegmentKind.RULE:
        try:
            wanted = set(
                Customer.objects.active()
                .filter(compile_rule(segment.rule))
                .values_list("pk", flat=True)
            )
        except RuleError:  # a choice the rule names was deleted since: the segment is empty
            wanted = set()
        have = set(
            SegmentMembership.objects.filter(segment=segment).values_list("customer_id", flat=True)
        )
        gone = have - wanted
        if gone:
            SegmentMembership.objects.filter(segment=segment, customer_id__in=gone).delete()
        SegmentMembership.objects.bulk_create(
            [SegmentMembership(segment=segment, customer_id=pk) for pk in sorted(wanted - have)],
            batch_size=2000,
        )
    else:
        # Hand-picked members who were retired, merged or erased since drop out.
        SegmentMembership.objects.filter(segment=segment).exclude(
            customer__in=Customer.objects.active()
        ).delete()
    _count(segment)


def _count(segment: Segment) -> None:
    segment.member_count = SegmentMembership.objects.filter(segment=segment).count()
    segment.refreshed_at = timezone.now()
    segment.save(update_fields=["member_count", "refreshed_at", "updated_at"])


def save_personalisation(
    *,
    actor: Any,
    customer: Customer,
    theme: str,
    hidden_blocks: Iterable[str],
    news_topics: Iterable[str],
) -> Personalisation:
    """Store a customer's theme, hidden blocks and news topics (unknown values are refused)."""
    hidden = sorted(set(hidden_blocks))
    topics = sorted(set(news_topics))
    if theme not in Theme.values:
        raise SegmentError(_("Unknown theme."))
    if not set(hidden) <= {str(b) for b in HIDEABLE_BLOCKS}:
        raise SegmentError(_("Only news and community blocks can be hidden."))
    if not set(topics) <= set(NewsTopic.values):
        raise SegmentError(_("Unknown news topic."))
    with transaction.atomic():
        item, _created = Personalisation.objects.select_for_update().get_or_create(
            customer=customer
        )
        item.theme = theme
        item.hidden_blocks = hidden
        item.news_topics = topics
        item.save()
        audit.record(
            action="customer.personalised",
            actor=actor,
            target=item,
            customer=customer,
            summary=_("Storefront preferences saved"),
            data={"theme": theme, "hidden": hidden, "topics": topics},
        )
        user_id = customer.user_id
        cache.forget_personalisation(user_id)
        transaction.on_commit(lambda: cache.forget_personalisation(user_id))
    return item
