"""Reads: a campaign's report (what it caused), a customer's occasions, lists for the portal.

Report definitions (docs/campaigns.md):
- mailed: recipients with an outbox message; sent: the message left (sent_at set); delivered:
  sent and not bounced; bounced, opened, clicked: from the message's status and tracking.
- bought / revenue: an order (real, not cancelled) placed within `attribution_days` after the
  recipient's message went out is *attributed* to the last message the customer clicked before
  placing it (any message of ours, within the same window); it counts here when that message is
  this campaign's. bought = distinct customers with an attributed order; revenue = their total.
- unsubscribes: recipients who, after the mail, stopped this campaign's topic from its link, or
  withdrew marketing consent through an unsubscribe link or page.
- uplift: conversion (any order within the window after their row was written) of everyone
  meant to be mailed (intention to treat: skipped ones included) minus that of the control
  group, with a 95 % confidence interval (normal approximation of a difference of proportions).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from rapport.campaigns.models import (
    Campaign,
    CampaignKind,
    Occasion,
    OccasionKind,
    Recipient,
    TopicOptOut,
)
from rapport.customers.models import Consent, Customer, Purpose
from rapport.messaging.models import Message, MessageStatus
from rapport.orders.models import Order, OrderKind, OrderStatus

Z95 = 1.959964


@dataclass
class VariantFigures:
    label: str
    mailed: int = 0
    opened: int = 0
    clicked: int = 0
    bought: int = 0


@dataclass
class Report:
    recipients: int = 0
    control: int = 0
    skipped: int = 0
    mailed: int = 0
    sent: int = 0
    delivered: int = 0
    bounced: int = 0
    opened: int = 0
    clicked: int = 0
    bought: int = 0
    revenue: Decimal = Decimal("0.00")
    unsubscribes: int = 0
    treated: int = 0
    treated_converted: int = 0
    control_converted: int = 0
    variants: list[VariantFigures] = field(default_factory=list)

    @property
    def treated_conversion(self) -> float | None:
        return self.treated_converted / self.treated if self.treated else None

    @property
    def control_conversion(self) -> float | None:
        return self.control_converted / self.control if self.control else None

    @property
    def uplift(self) -> float | None:
        t, c = self.treated_conversion, self.control_conversion
        return None if t is None or c is None else t - c

    @property
    def uplift_interval(self) -> tuple[float, float] | None:
        """95 % confidence interval of the uplift; None without both groups."""
        t, c = self.treated_conversion, self.control_conversion
        if t is None or c is None:
            return None
        se = math.sqrt(t * (1 - t) / self.treated + c * (1 - c) / self.control)
        uplift = t - c
        return (uplift - Z95 * se, uplift + Z95 * se)


def campaign_report(campaign: Campaign) -> Report:
    """Every figure of the report in a handful of queries (see the module docstring)."""
    report = Report()
    window = datetime.timedelta(days=campaign.attribution_days)
    rows = list(
        Recipient.objects.filter(campaign=campaign).values(
            "customer_id",
            "is_control",
            "created_at",
            "message_id",
            "variant__label",
            "message__sent_at",
            "message__status",
            "message__opened_at",
            "message__clicked_at",
            "message__contact_point_id",
        )
    )
    if not rows:
        return report
    customer_ids = Recipient.objects.filter(campaign=campaign).values("customer_id")
    first = min(r["created_at"] for r in rows)
    last = max(r["created_at"] for r in rows) + window
    orders: dict[int, list[tuple[datetime.datetime, Decimal]]] = defaultdict(list)
    for customer_id, placed_at, total in (
        Order.objects.filter(
            customer_id__in=customer_ids,
            kind=OrderKind.ORDER,
            placed_at__gte=first,
            placed_at__lte=last,
        )
        .exclude(status=OrderStatus.CANCELLED)
        .values_list("customer_id", "placed_at", "total")
    ):
        orders[customer_id].append((placed_at, total))
    clicks: dict[int, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    for pk, customer_id, clicked_at in Message.objects.filter(
        customer_id__in=customer_ids, clicked_at__gte=first - window, clicked_at__lte=last
    ).values_list("pk", "customer_id", "clicked_at"):
        if clicked_at is not None:
            clicks[customer_id].append((clicked_at, pk))
    opted_out = set(
        TopicOptOut.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
    )
    withdrawn: dict[int, datetime.datetime] = {}
    for point_id, changed_at in Consent.objects.filter(
        contact_point__customer_id__in=customer_ids,
        purpose=Purpose.MARKETING,
        granted=False,
        source__in=("one-click unsubscribe", "unsubscribe page"),
        changed_at__gte=first,
    ).values_list("contact_point_id", "changed_at"):
        withdrawn[point_id] = changed_at
    variants: dict[str, VariantFigures] = {}
    for row in rows:
        report.recipients += 1
        bought_in_window = [
            (placed_at, total)
            for placed_at, total in orders.get(row["customer_id"], [])
            if row["created_at"] <= placed_at <= row["created_at"] + window
        ]
        if row["is_control"]:
            report.control += 1
            report.control_converted += bool(bought_in_window)
            continue
        report.treated += 1
        report.treated_converted += bool(bought_in_window)
        if row["message_id"] is None:
            report.skipped += 1
            continue
        figures = variants.setdefault(
            row["variant__label"] or "", VariantFigures(label=row["variant__label"] or "")
        )
        report.mailed += 1
        figures.mailed += 1
        sent_at = row["message__sent_at"]
        if sent_at is not None:
            report.sent += 1
            if row["message__status"] != MessageStatus.BOUNCED:
                report.delivered += 1
        if row["message__status"] == MessageStatus.BOUNCED:
            report.bounced += 1
        if row["message__opened_at"] is not None:
            report.opened += 1
            figures.opened += 1
        if row["message__clicked_at"] is not None:
            report.clicked += 1
            figures.clicked += 1
        changed = withdrawn.get(row["message__contact_point_id"])
        if row["customer_id"] in opted_out or (
            changed is not None and changed >= row["created_at"]
        ):
            report.unsubscribes += 1
        start = sent_at or row["created_at"]
        attributed = Decimal("0.00")
        for placed_at, total in orders.get(row["customer_id"], []):
            if not start <= placed_at <= start + window:
                continue
            before = [
                (at, pk)
                for at, pk in clicks.get(row["customer_id"], [])
                if placed_at - window <= at <= placed_at
            ]
            if before and max(before)[1] == row["message_id"]:
                attributed += total
        if attributed:
            report.bought += 1
            figures.bought += 1
            report.revenue += attributed
    report.variants = sorted(variants.values(), key=lambda v: v.label)
    return report


def campaigns_for_portal() -> QuerySet[Campaign]:
    """Every campaign, the always-on one first, then the newest."""
    return Campaign.objects.select_related("segment").order_by("kind", "-created_at", "-id")


def always_on(campaign: Campaign) -> bool:
    return campaign.kind == CampaignKind.ALWAYS_ON


def occasions_of(customer: Customer) -> list[Occasion]:
    """The customer's occasions, soonest first."""
    return list(Occasion.objects.filter(customer=customer).order_by("next_date", "pk"))


def opted_out_topics(customer: Customer) -> set[str]:
    return set(TopicOptOut.objects.filter(customer=customer).values_list("topic", flat=True))


def recipient_counts(campaign: Campaign) -> dict[str, Any]:
    """Cheap progress figures while a campaign sends."""
    rows = Recipient.objects.filter(campaign=campaign)
    return {
        "handled": rows.count(),
        "mailed": rows.filter(message__isnull=False).count(),
        "control": rows.filter(is_control=True).count(),
    }


def customer_export(customer: Customer) -> dict[str, Any]:
    """The customer's occasions, topic opt-outs and campaign rows, for their data export."""

    def iso(value: Any) -> Any:
        return value.isoformat() if value is not None else None

    return {
        "occasions": [
            {
                "kind": o.kind,
                "name": o.name,
                "month": o.month,
                "day": o.day,
                "next_date": iso(o.next_date),
                "lead_days": o.lead_days,
                "strength": str(o.strength),
                "repetitions": o.repetitions,
                "source_dates": o.source_dates,
                "remind": o.enabled,
                "edited_at": iso(o.edited_at),
                "mined_at": iso(o.mined_at),
            }
            for o in Occasion.objects.filter(customer=customer).order_by("next_date", "pk")
        ],
        "topic_opt_outs": [
            {
                "topic": t.topic,
                "campaign": t.campaign.name if t.campaign else None,
                "at": iso(t.created_at),
            }
            for t in TopicOptOut.objects.filter(customer=customer)
            .select_related("campaign")
            .order_by("created_at", "pk")
        ],
        "campaigns": [
            {
                "campaign": r.campaign.name,
                "at": iso(r.created_at),
                "control_group": r.is_control,
                "version": r.variant.label if r.variant else None,
                "mailed": r.message_id is not None,
                "skipped": r.skipped_reason,
                "occasion": r.occasion.name if r.occasion else None,
            }
            for r in Recipient.objects.filter(customer=customer)
            .select_related("campaign", "variant", "occasion")
            .order_by("created_at", "pk")
        ],
    }


def own_occasion_names(customer: Customer) -> list[str]:
    """The names the customer wrote for their occasions (declared or renamed): personal text
    that erasure takes out of the audit log too."""
    return [
        name
        for name in Occasion.objects.filter(customer=customer)
        .filter(Q(kind=OccasionKind.DECLARED) | Q(edited_at__isnull=False))
        .values_list("name", flat=True)
        if len(name.strip()) >= 4
    ]
