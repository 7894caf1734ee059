"""Staff move an order along its lifecycle (pay, pack, ship with tracking, deliver, cancel)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.access import employee_required
from rapport.inventory.services import StockError
from rapport.orders.access import get_order_for
from rapport.orders.lifecycle import STAFF_STEPS, OrderError, advance_order
from rapport.orders.models import OrderStatus
from rapport.payments.services import PaymentError


@employee_required
@require_POST
def advance(request: HttpRequest, public_id: str) -> HttpResponse:
    order = get_order_for(request.user, public_id)
    to = request.POST.get("to", "")
    if to == OrderStatus.CANCELLED and request.POST.get("confirmed") != "yes":
        # Cancelling refunds and restocks: the button asks first, on a page of its own (works
        # without JavaScript), saying what will happen.
        return render(
            request,
            "portal/fulfilment/confirm_cancel.html",
            {"order": order},
        )
    try:
        if to not in STAFF_STEPS:
            raise OrderError(_("Choose a next step."))
        advance_order(
            order=order,
            to=to,
            actor=request.user,
            carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
            note=request.POST.get("note", "")[:200],
            request=request,
        )
    except (OrderError, PaymentError, StockError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Order updated."))
    return redirect("portal:order", public_id=order.public_id)
