"""Service tickets for the customer: open one on a bought item, talk, pay a quoted repair."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.aftersales.access import get_ticket_for
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.queries import aftersales_options
from rapport.aftersales.tickets import (
    SERVICE_PAYMENT_MODES,
    add_message,
    coverage_for,
    open_ticket,
    pay_ticket,
)
from rapport.orders.models import LineKind
from rapport.payments.models import PaymentMethod
from rapport.payments.services import PaymentError
from rapport.storefront.views.returns import own_order


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, public_id: str) -> HttpResponse:
    order = own_order(request.user, public_id)
    lines = list(order.lines.filter(kind=LineKind.PRODUCT).order_by("position", "id"))
    error = ""
    if request.method == "POST":
        chosen = next((ln for ln in lines if str(ln.pk) == request.POST.get("line", "")), None)
        try:
            if chosen is None:
                raise AftersalesError(_("Choose one of the items you bought."))
            ticket = open_ticket(
                line=chosen,
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
                actor=request.user,
            )
        except AftersalesError as exc:
            error = str(exc)
        else:
            return redirect("storefront:ticket_detail", public_id=ticket.public_id)
    return render(
        request,
        "storefront/tickets/start.html",
        {
            "order": order,
            "lines": [(ln, coverage_for(ln)) for ln in lines],
            "error": error,
            "aftersales": aftersales_options(order),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = get_ticket_for(request.user, public_id)
    if request.user.is_staff:  # staff work on tickets in the portal
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            add_message(
                ticket=ticket,
                body=request.POST.get("body", ""),
                actor=request.user,
                from_staff=False,
            )
        except AftersalesError as exc:
            error = str(exc)
        else:
            return redirect("storefront:ticket_detail", public_id=ticket.public_id)
    modes = [(m, PaymentMethod(m).label) for m in SERVICE_PAYMENT_MODES]
    return render(
        request,
        "storefront/tickets/detail.html",
        {
            "ticket": ticket,
            "thread": ticket.messages.select_related("author"),
            "error": error,
            "modes": modes,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def pay(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = get_ticket_for(request.user, public_id)
    if request.user.is_staff:
        raise Http404
    try:
        pay_ticket(
            ticket=ticket,
            method=request.POST.get("method", ""),
            card_number=request.POST.get("card_number", ""),
            actor=request.user,
        )
    except (AftersalesError, PaymentError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: work on your request has started."))
    return redirect("storefront:ticket_detail", public_id=ticket.public_id)
