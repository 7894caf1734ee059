"""Staff: service tickets — list, conversation, assign, quote, move on."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.roles import EMPLOYEE, MANAGER
from rapport.aftersales.access import get_ticket_for
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import TicketStatus
from rapport.aftersales.queries import staff_tickets
from rapport.aftersales.tickets import set_price, update_ticket
from rapport.core.access import employee_required


def _staff() -> list:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[EMPLOYEE, MANAGER])
        .distinct()
        .order_by("email")
    )


@employee_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in TicketStatus.values else ""
    page = Paginator(staff_tickets(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/tickets/list.html",
        {"page": page, "status": status, "statuses": TicketStatus.choices},
    )


@employee_required
@require_GET
def ticket_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = get_ticket_for(request.user, public_id)
    return render(
        request,
        "portal/tickets/detail.html",
        {
            "ticket": ticket,
            "thread": ticket.messages.select_related("author"),
            "statuses": TicketStatus.choices,
            "staff": _staff(),
        },
    )


@employee_required
@require_POST
def ticket_update(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = get_ticket_for(request.user, public_id)
    staff = {str(u.pk): u for u in _staff()}
    try:
        raw_price = request.POST.get("price", "").strip()
        if raw_price:
            try:
                price = Decimal(raw_price)
            except InvalidOperation as exc:
                raise AftersalesError(_("Enter a price like 49.90.")) from exc
            ticket = set_price(ticket=ticket, price=price, actor=request.user)
        update_ticket(
            ticket=ticket,
            actor=request.user,
            status=request.POST.get("status", ""),
            assignee=staff.get(request.POST.get("assignee", "")),
            message=request.POST.get("message", ""),
        )
    except AftersalesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Ticket updated."))
    return redirect("portal:ticket_detail", public_id=ticket.public_id)
