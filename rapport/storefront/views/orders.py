"""The customer's order history: every order can be opened again, its receipt downloaded."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.aftersales.queries import aftersales_options
from rapport.orders.access import get_order_for
from rapport.orders.queries import order_with_details, orders_of_user
from rapport.orders.receipts import receipt_filename, render_receipt_pdf


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(orders_of_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "storefront/orders/list.html", {"page": page})


@login_required
@require_GET
def order_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    order = order_with_details(get_order_for(request.user, public_id).pk)
    return render(
        request,
        "storefront/orders/detail.html",
        {"order": order, "aftersales": aftersales_options(order)},
    )


@login_required
@require_GET
def receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    order = get_order_for(request.user, public_id)
    response = HttpResponse(render_receipt_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(order)}"'
    return response
