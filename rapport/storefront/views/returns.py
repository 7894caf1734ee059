"""The customer starts a return from a delivered order and follows it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rapport.aftersales.access import get_return_for
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.returns import request_return, returnable_lines
from rapport.orders.access import get_order_for
from rapport.orders.models import Order, RefundDestination
from rapport.payments.models import PaymentMethod


def own_order(user: object, public_id: str) -> Order:
    """Returns and tickets are started by the buyer only (staff work in the portal): 404 else."""
    order = get_order_for(user, public_id)
    if order.customer is None or order.customer.user_id != getattr(user, "pk", None):
        raise Http404
    return order


def _quantities(request: HttpRequest, lines: list) -> dict[int, int]:
    result = {}
    for line, _left in lines:
        raw = request.POST.get(f"qty_{line.pk}", "0").strip() or "0"
        try:
            result[line.pk] = int(raw)
        except ValueError as exc:
            raise AftersalesError(_("Quantities must be whole numbers.")) from exc
    return result


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, public_id: str) -> HttpResponse:
    order = own_order(request.user, public_id)
    lines = returnable_lines(order)
    # Collected cash can only come back as store credit (see docs: refunds per payment mode).
    destinations = RefundDestination.choices
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        destinations = [(RefundDestination.WALLET.value, RefundDestination.WALLET.label)]
    error = ""
    if request.method == "POST":
        try:
            rma = request_return(
                order=order,
                quantities=_quantities(request, lines),
                reason=request.POST.get("reason", ""),
                refund_to=request.POST.get("refund_to", ""),
                actor=request.user,
            )
        except AftersalesError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Your return request was sent."))
            return redirect("storefront:return_detail", public_id=rma.public_id)
    return render(
        request,
        "storefront/returns/start.html",
        {
            "order": order,
            "lines": lines,
            "destinations": destinations,
            "error": error,
            "posted": request.POST,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    rma = get_return_for(request.user, public_id)
    return render(
        request,
        "storefront/returns/detail.html",
        {"rma": rma, "lines": rma.lines.select_related("order_line")},
    )
