"""Live stock levels (pushed over a websocket) and shipments by carrier and status, with late
ones flagged against the promised delivery date. Staff only."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from rapport.catalog.models import Product
from rapport.core.access import employee_required
from rapport.inventory.live import is_low
from rapport.orders import logistics


def stock_socket_url() -> str:
    return f"/{settings.RAPPORT_STAFF_PATH}/ws/stock/"


@employee_required
@require_GET
def live_stock(request: HttpRequest) -> HttpResponse:
    """Stock levels, lowest first; `low=1` shows only those at or under the threshold."""
    q = request.GET.get("q", "")[:100].strip()
    low_only = request.GET.get("low") == "1"
    products = Product.objects.filter(is_active=True, stock__isnull=False).select_related("stock")
    if q:
        products = products.filter(Q(sku__iexact=q) | Q(name__icontains=q))
    if low_only:
        products = products.filter(stock__quantity__lte=settings.RAPPORT_LOW_STOCK_THRESHOLD)
    products = products.order_by("stock__quantity", "name", "pk")
    page = Paginator(products, 100).get_page(request.GET.get("page"))
    rows = [(p, p.stock.quantity, is_low(p.stock.quantity)) for p in page]
    return render(
        request,
        "portal/stock/live.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "low_only": low_only,
            "threshold": settings.RAPPORT_LOW_STOCK_THRESHOLD,
            "socket_url": stock_socket_url(),
        },
    )


@employee_required
@require_GET
def shipments(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    late = [(s, logistics.days_late(s, now)) for s in logistics.late_shipments(now)[:100]]
    return render(
        request,
        "portal/stock/shipments.html",
        {"carriers": logistics.shipments_by_carrier(now), "late": late},
    )
