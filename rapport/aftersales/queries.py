"""Reads for the after-sales pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet

from rapport.aftersales.models import ReturnRequest, ServiceTicket, UpgradeNotice


def returns_of_order(order: Any) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(order=order).prefetch_related("lines__order_line")


def tickets_of_order(order: Any) -> QuerySet[ServiceTicket]:
    return ServiceTicket.objects.filter(order_line__order=order).select_related("order_line")


def staff_returns(status: str = "") -> QuerySet[ReturnRequest]:
    qs = ReturnRequest.objects.select_related("order", "customer")
    return qs.filter(status=status) if status else qs


def staff_tickets(status: str = "") -> QuerySet[ServiceTicket]:
    """The staff queue: VIP customers' tickets first (priority service), newest first within."""
    qs = ServiceTicket.objects.select_related("customer", "assignee", "order_line").order_by(
        F("customer__is_vip").desc(), "-created_at", "-id"
    )
    return qs.filter(status=status) if status else qs


def notices_with_counts() -> QuerySet[UpgradeNotice]:
    return UpgradeNotice.objects.select_related("product", "new_product").annotate(
        sent=Count("deliveries")
    )
