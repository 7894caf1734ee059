"""Staff: quotes — list (mine, or all for managers), start one for a customer, edit the draft,
send, counter, accept a customer's counter, withdraw, and every version side by side."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.roles import is_manager
from rapport.checkout.services import CheckoutError
from rapport.core.access import employee_required
from rapport.customers.access import get_customer_for_staff
from rapport.inventory.services import OutOfStock
from rapport.payments.services import PaymentError
from rapport.quotes import queries, services
from rapport.quotes.access import get_quote_for_staff
from rapport.quotes.lines import QuoteError, parse_date, parse_rows
from rapport.quotes.models import Quote, QuoteStatus, Side

EMPTY_ROWS = 3


def _rows(request: HttpRequest) -> list[services.LineInput]:
    return parse_rows(
        request.POST.getlist("sku"),
        request.POST.getlist("quantity"),
        request.POST.getlist("unit_price"),
        request.POST.getlist("remove"),
    )


def _answering(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@employee_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    quotes = queries.staff_quotes(request.user, status=status)
    customer_id = request.GET.get("customer", "")
    if customer_id:
        quotes = quotes.filter(customer=get_customer_for_staff(request.user, customer_id))
    page = Paginator(quotes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/quotes/list.html",
        {
            "page": page,
            "status": status,
            "statuses": QuoteStatus.choices,
            "all_quotes": is_manager(request.user),
        },
    )


@employee_required
@require_http_methods(["GET", "POST"])
def quote_create(request: HttpRequest, public_id: str) -> HttpResponse:
    customer = get_customer_for_staff(request.user, public_id)
    error = ""
    if request.method == "POST":
        try:
            quote = services.create_quote(
                customer=customer,
                actor=request.user,
                lines=_rows(request),
                valid_until=parse_date(request.POST.get("valid_until", "")),
                note=request.POST.get("note", ""),
            )
        except QuoteError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Draft saved: check it, then send it."))
            return redirect("portal:quote_detail", public_id=quote.public_id)
    return render(
        request,
        "portal/quotes/create.html",
        {
            "customer": customer,
            "empty_rows": range(EMPTY_ROWS + 2),
            "default_valid_until": timezone.localdate() + timedelta(days=14),
            "error": error,
        },
        status=400 if error else 200,
    )


def _detail(request: HttpRequest, quote: Quote, error: str = "") -> HttpResponse:
    all_versions = queries.versions(quote)
    latest = all_versions[-1]
    return render(
        request,
        "portal/quotes/detail.html",
        {
            "quote": quote,
            "latest": latest,
            "comparison": queries.comparison(all_versions),
            "is_draft": quote.status == QuoteStatus.DRAFT,
            "our_turn": queries.is_open(quote) and latest.side == Side.CUSTOMER,
            "options": queries.acceptance_options(quote, latest.total),
            "empty_rows": range(EMPTY_ROWS),
            "error": error,
        },
        status=400 if error else 200,
    )


@employee_required
@require_GET
def quote_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail(request, get_quote_for_staff(request.user, public_id))


def _act(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """Run one staff action on a quote; on a refusal show the page again with the reason."""
    quote = get_quote_for_staff(request.user, public_id)
    try:
        if action == "edit":
            services.update_draft(
                quote=quote,
                actor=request.user,
                lines=_rows(request),
                valid_until=parse_date(request.POST.get("valid_until", "")),
                note=request.POST.get("note", ""),
            )
            done = _("Draft saved.")
        elif action == "send":
            services.send_quote(quote=quote, actor=request.user)
            done = _("Quote sent to the customer.")
        elif action == "counter":
            services.counter_quote(
                quote=quote,
                actor=request.user,
                answering=_answering(request),
                lines=_rows(request),
                valid_until=parse_date(request.POST.get("valid_until", "")),
                note=request.POST.get("note", ""),
            )
            done = _("Counter-offer sent to the customer.")
        elif action == "withdraw":
            services.withdraw_quote(quote=quote, actor=request.user)
            done = _("Quote withdrawn.")
        else:
            services.acknowledge_quote(quote=quote, actor=request.user)
            done = _("Marked as seen.")
    except QuoteError as exc:
        quote.refresh_from_db()
        return _detail(request, quote, str(exc))
    messages.success(request, done)
    return redirect("portal:quote_detail", public_id=quote.public_id)


@employee_required
@require_POST
def quote_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, "edit")


@employee_required
@require_POST
def quote_send(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, "send")


@employee_required
@require_POST
def quote_counter(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, "counter")


@employee_required
@require_POST
def quote_withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, "withdraw")


@employee_required
@require_POST
def quote_seen(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, "seen")


@employee_required
@require_POST
def quote_accept(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = get_quote_for_staff(request.user, public_id)
    try:
        order = services.accept_with_choices(
            quote=quote, actor=request.user, answering=_answering(request), choices=request.POST
        )
    except (QuoteError, CheckoutError, OutOfStock, PaymentError) as exc:
        quote.refresh_from_db()
        return _detail(request, quote, str(exc))
    messages.success(request, _("Accepted: order %(n)s placed.") % {"n": order.number})
    return redirect("portal:order", public_id=order.public_id)
