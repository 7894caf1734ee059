"""Staff: the order list (search, filters, pages) and one order's page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.core.access import employee_required
from rapport.orders.access import get_order_for
from rapport.orders.models import OrderStatus
from rapport.orders.queries import order_with_details, staff_order_list
from rapport.payments.models import PaymentMethod


@employee_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:100].strip()
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    method = request.GET.get("payment", "")
    method = method if method in PaymentMethod.values else ""
    orders = staff_order_list(search=search, status=status, payment_method=method)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "portal/orders/list.html",
        {
            "page": page,
            "q": search,
            "status": status,
            "payment": method,
            "statuses": OrderStatus.choices,
            "payments": PaymentMethod.choices,
            "query_string": keep.urlencode(),
        },
    )


@employee_required
@require_GET
def order_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    order = order_with_details(get_order_for(request.user, public_id).pk)
    return render(request, "portal/orders/detail.html", {"order": order})
