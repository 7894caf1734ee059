"""Reads for the after-sales pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

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
    """Notices with how many buyers were mailed (`sent`) and how many were not (`skipped`)."""
    return UpgradeNotice.objects.select_related("product", "new_product").annotate(
        sent=Count("deliveries", filter=Q(deliveries__message__isnull=False)),
        skipped=Count("deliveries", filter=Q(deliveries__message__isnull=True)),
    )


# Why the outbox refused a buyer (`MessageRefused`'s texts, stored on the delivery), in words
# staff read in their language; anything else is shown as stored.
SKIP_REASONS = {
    "No usable email address.": _("no email address"),
    "No consent for marketing mail.": _("no consent to marketing mail"),
    "The record is retired: no marketing or surveys.": _("record retired"),
    "The record is erased or merged.": _("record erased or merged"),
}


def skip_reasons(notices: list[UpgradeNotice]) -> dict[int, list[tuple[str, int]]]:
    """Per notice id, why buyers were skipped and how many, most common first."""
    from rapport.aftersales.models import UpgradeDelivery

    rows = (
        UpgradeDelivery.objects.filter(notice__in=notices, message__isnull=True)
        .values("notice_id", "skipped_reason")
        .annotate(n=Count("id"))
        .order_by("notice_id", "-n")
    )
    result: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        reason = row["skipped_reason"]
        label = str(SKIP_REASONS.get(reason, reason))
        result.setdefault(row["notice_id"], []).append((label, row["n"]))
    return result


def aftersales_options(order: Any) -> dict[str, Any]:
    """What the customer can do after buying, said before they fill in a form: return items
    (delivered, within the return window) and ask for service (once fulfilled)."""
    from rapport.aftersales.returns import return_window_open
    from rapport.orders.models import OrderStatus

    can_return = return_window_open(order) and order.status in (
        OrderStatus.DELIVERED,
        OrderStatus.REFUNDED,
    )
    service_open = order.status not in (OrderStatus.PLACED, OrderStatus.CANCELLED)
    return {
        "can_return": can_return,
        "return_note": "" if can_return else _return_note(order),
        "can_ask_service": service_open,
        "service_note": "" if service_open else _service_note(order),
    }


def _return_note(order: Any) -> str:
    from rapport.orders.models import OrderStatus

    if order.status == OrderStatus.CANCELLED:
        return str(_("This order was cancelled: there is nothing to return."))
    if order.delivered_at is None:
        return str(_("Returns open once the order has been delivered."))
    return str(_("The return window for this order has closed."))


def _service_note(order: Any) -> str:
    from rapport.orders.models import OrderStatus

    if order.status == OrderStatus.CANCELLED:
        return str(_("This order was cancelled."))
    return str(_("Service and repairs start once the order has been fulfilled."))
