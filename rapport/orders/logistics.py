"""Reads for the logistics view: shipments by carrier and status, late ones against the promise.

A shipment is **in transit** while its order is "shipped", **delivered** once the order is
delivered (or went on to a return). It is **late** when it is still in transit after the
delivery date promised to the customer (`Order.estimated_delivery_at`), or was delivered after
it. Orders without a promise are never late.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from rapport.orders.models import OrderStatus, Shipment

S = OrderStatus
IN_TRANSIT = (S.SHIPPED,)
DELIVERED = (S.DELIVERED, S.RETURN_REQUESTED, S.RETURNED, S.REFUNDED)


@dataclass
class CarrierLoad:
    carrier: str
    in_transit: int
    delivered: int
    late_in_transit: int
    delivered_late: int


def late_in_transit_q(now: datetime.datetime) -> Q:
    return Q(order__status__in=IN_TRANSIT, order__estimated_delivery_at__lt=now)


def delivered_late_q() -> Q:
    return Q(
        order__status__in=DELIVERED,
        order__delivered_at__gt=F("order__estimated_delivery_at"),
    )


def is_late(shipment: Shipment, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    order = shipment.order
    promised = order.estimated_delivery_at
    if promised is None:
        return False
    if order.status in IN_TRANSIT:
        return promised < now
    if order.status in DELIVERED and order.delivered_at is not None:
        return order.delivered_at > promised
    return False


def shipments_by_carrier(now: datetime.datetime | None = None) -> list[CarrierLoad]:
    now = now or timezone.now()
    rows = (
        Shipment.objects.values("carrier")
        .annotate(
            in_transit=Count("id", filter=Q(order__status__in=IN_TRANSIT)),
            delivered=Count("id", filter=Q(order__status__in=DELIVERED)),
            late_in_transit=Count("id", filter=late_in_transit_q(now)),
            delivered_late=Count("id", filter=delivered_late_q()),
        )
        .order_by("carrier")
    )
    return [CarrierLoad(**row) for row in rows]


def late_shipments(now: datetime.datetime | None = None) -> QuerySet[Shipment]:
    """Shipments still in transit past their promised date, the longest overdue first."""
    now = now or timezone.now()
    return (
        Shipment.objects.filter(late_in_transit_q(now))
        .select_related("order", "order__customer")
        .order_by("order__estimated_delivery_at", "id")
    )


def days_late(shipment: Any, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    promised = shipment.order.estimated_delivery_at
    return max(0, (now - promised).days) if promised else 0
