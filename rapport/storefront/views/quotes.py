"""The customer's quotes: list, read every version, counter, accept (placing the order), decline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.roles import is_employee
from rapport.checkout.queries import awaiting_payment
from rapport.checkout.services import CheckoutError
from rapport.inventory.services import OutOfStock
from rapport.payments.services import PaymentError
from rapport.quotes import queries, services
from rapport.quotes.access import get_quote_for_customer
from rapport.quotes.lines import QuoteError, parse_date, parse_rows
from rapport.quotes.models import Quote, Side


def _answering(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@login_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    if is_employee(request.user):  # staff work on quotes in the portal
        raise Http404
    page = Paginator(queries.customer_quotes(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "storefront/quotes/list.html", {"page": page})


def _detail(request: HttpRequest, quote: Quote, error: str = "") -> HttpResponse:
    all_versions = queries.versions(quote)
    latest = all_versions[-1]
    return render(
        request,
        "storefront/quotes/detail.html",
        {
            "quote": quote,
            "latest": latest,
            "comparison": queries.comparison(all_versions),
            "my_turn": queries.is_open(quote) and latest.side == Side.STAFF,
            "options": queries.acceptance_options(quote, latest.total),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def quote_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail(request, get_quote_for_customer(request.user, public_id))


@login_required
@require_POST
def quote_counter(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = get_quote_for_customer(request.user, public_id)
    try:
        services.counter_quote(
            quote=quote,
            actor=request.user,
            answering=_answering(request),
            lines=parse_rows(
                request.POST.getlist("sku"),
                request.POST.getlist("quantity"),
                request.POST.getlist("unit_price"),
                request.POST.getlist("remove"),
            ),
            valid_until=parse_date(request.POST.get("valid_until", "")),
            note=request.POST.get("note", ""),
        )
    except QuoteError as exc:
        quote.refresh_from_db()
        return _detail(request, quote, str(exc))
    messages.success(request, _("Your counter-offer was sent."))
    return redirect("storefront:quote_detail", public_id=quote.public_id)


@login_required
@require_POST
def quote_accept(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = get_quote_for_customer(request.user, public_id)
    try:
        order = services.accept_with_choices(
            quote=quote, actor=request.user, answering=_answering(request), choices=request.POST
        )
    except (QuoteError, CheckoutError, OutOfStock, PaymentError) as exc:
        quote.refresh_from_db()
        return _detail(request, quote, str(exc))
    pending = awaiting_payment(order)
    if pending is not None and pending.pay_url:
        return redirect(pending.pay_url)  # the provider's hosted page, back to checkout_return
    messages.success(request, _("Thank you! Your order is confirmed."))
    return redirect("storefront:order", public_id=order.public_id)


@login_required
@require_POST
def quote_decline(request: HttpRequest, public_id: str) -> HttpResponse:
    quote = get_quote_for_customer(request.user, public_id)
    try:
        services.decline_quote(quote=quote, actor=request.user, note=request.POST.get("note", ""))
    except QuoteError as exc:
        quote.refresh_from_db()
        return _detail(request, quote, str(exc))
    messages.success(request, _("You declined this quote."))
    return redirect("storefront:quote_detail", public_id=quote.public_id)
