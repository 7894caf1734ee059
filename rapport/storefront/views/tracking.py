"""The customer's tracking page: the order's steps, the promised date, shipments, returns."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.aftersales.queries import returns_of_order, tickets_of_order
from rapport.aftersales.returns import return_window_open
from rapport.delivery.services import promised_datetime, updated_promise
from rapport.orders.access import get_order_for
from rapport.orders.lifecycle import HAPPY_PATH
from rapport.orders.models import OrderStatus
from rapport.orders.queries import order_timeline


@login_required
@require_GET
def tracking(request: HttpRequest, public_id: str) -> HttpResponse:
    order = get_order_for(request.user, public_id)
    timeline = order_timeline(order)
    reached = {step["status"] for step in timeline} | {OrderStatus.PLACED.value}
    path = [{"status": s, "label": OrderStatus(s).label, "done": s in reached} for s in HAPPY_PATH]
    return render(
        request,
        "storefront/tracking/tracking.html",
        {
            "order": order,
            "timeline": timeline,
            "path": path,
            "promise": order.estimated_delivery_at or promised_datetime(order.placed_at),
            "updated_promise": updated_promise(order),
            "shipments": order.shipments.all(),
            "returns": returns_of_order(order),
            "tickets": tickets_of_order(order),
            "can_return": return_window_open(order)
            and order.status in (OrderStatus.DELIVERED, OrderStatus.REFUNDED),
        },
    )
