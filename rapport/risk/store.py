"""The store's side of order risk: the same features as `retail.py`, read from the database for
one order, the fraud facts from what checkout recorded, and the learned model on disk."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, Sum

from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus
from rapport.risk.client import Client
from rapport.risk.features import Basket, CustomerHistory, Rates
from rapport.risk.model import RiskModel
from rapport.risk.models import CancellationCount, Sighting
from rapport.risk.rules import Facts

log = logging.getLogger(__name__)

CANCELLED = Q(kind=OrderKind.CREDIT_NOTE) | Q(status=OrderStatus.CANCELLED)
COUNTRY_RATES_KEY = "risk:country-rates:v2"
_loaded: tuple[float, RiskModel | None] | None = None


def model_path() -> Path:
    return Path(settings.VAR_DIR) / "risk" / "order_risk.pkl"


def load_model() -> RiskModel | None:
    """The model `train_order_risk` wrote (reloaded when the file changes), or None."""
    global _loaded
    path = model_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    if _loaded is None or _loaded[0] != mtime:
        _loaded = (mtime, RiskModel.load(path))
    return _loaded[1]


def history_for(order: Order) -> CustomerHistory:
    """The customer's orders and cancellations placed before `order`."""
    history = CustomerHistory()
    if order.customer_id is None:
        return history
    past = Order.objects.filter(customer_id=order.customer_id, placed_at__lt=order.placed_at)
    sales = Q(kind=OrderKind.ORDER)
    agg = past.aggregate(
        orders=Count("pk", filter=sales),
        cancellations=Count("pk", filter=CANCELLED),
        cancelled_orders=Count("pk", filter=sales & Q(status=OrderStatus.CANCELLED)),
        sold=Sum("total", filter=sales),
        cancelled_value=Sum("total", filter=CANCELLED),
        first=Min("placed_at"),
        last=Max("placed_at", filter=sales),
        last_cancel=Max("placed_at", filter=CANCELLED),
    )
    history.orders = agg["orders"]
    history.cancellations = agg["cancellations"]
    history.cancelled_orders = agg["cancelled_orders"]
    history.sold_value = float(abs(agg["sold"] or 0))
    history.cancelled_value = float(abs(agg["cancelled_value"] or 0))
    history.first_at = agg["first"]
    history.last_order_at = agg["last"]
    history.last_cancellation_at = agg["last_cancel"]
    recent = list(
        past.filter(kind=OrderKind.ORDER, placed_at__gte=order.placed_at - timedelta(days=30))
        .order_by()
        .values_list("placed_at", flat=True)[:500]
    )
    history.order_dates = recent
    history.recent_days = [d for d in recent if order.placed_at - d < timedelta(days=1)]
    history.lines = OrderLine.objects.filter(
        order__in=past.filter(sales), kind=LineKind.PRODUCT
    ).count()
    history.cancelled_codes = set(
        OrderLine.objects.filter(order__in=past.filter(CANCELLED), product__isnull=False)
        .values_list("sku", flat=True)
        .distinct()[:1000]
    )
    return history


def basket_for(order: Order) -> Basket:
    lines: dict[str, tuple[int, float]] = {}
    for sku, quantity, total in OrderLine.objects.filter(
        order=order, kind=LineKind.PRODUCT
    ).values_list("sku", "quantity", "line_total"):
        q, v = lines.get(sku, (0, 0.0))
        lines[sku] = (q + abs(quantity), v + float(abs(total)))
    return Basket(order.placed_at, order.country, lines)


def rates_for(basket: Basket) -> Rates:
    """Cancellation counts of the basket's products (one read by key) and of every country
    (cached for an hour), as the hourly task counted them (`counts.py`); a product it has not
    counted yet is new to the shop."""
    rates = Rates(home_country=getattr(settings, "RAPPORT_HOME_COUNTRY", "United Kingdom"))
    for sku, sold, cancelled in CancellationCount.objects.filter(
        kind=CancellationCount.Kind.PRODUCT, key__in=list(basket.lines)
    ).values_list("key", "sold", "cancelled"):
        rates.product_sold[sku] = sold
        rates.product_cancelled[sku] = cancelled
    countries = cache.get(COUNTRY_RATES_KEY)
    if countries is None:
        countries = {
            key: (sold, cancelled)
            for key, sold, cancelled in CancellationCount.objects.filter(
                kind=CancellationCount.Kind.COUNTRY
            ).values_list("key", "sold", "cancelled")
        }
        cache.set(COUNTRY_RATES_KEY, countries, 3600)
    for country, (orders, cancelled) in countries.items():
        rates.country_orders[country] = orders
        rates.country_cancellations[country] = cancelled
    return rates


def facts_for(order: Order, client: Client, history: CustomerHistory) -> Facts:
    """The fraud facts of `order` (its Sighting is written by the caller afterwards)."""
    now = order.placed_at
    customer = order.customer
    user = customer.user if customer is not None else None
    user_id = user.pk if user is not None else None

    def accounts(**where: object) -> int:
        seen = set(
            Sighting.objects.filter(kind=Sighting.Kind.ORDER, **where)
            .exclude(user=None)
            .values_list("user_id", flat=True)
            .distinct()[:1000]
        )
        if user_id is not None:
            seen.add(user_id)
        return len(seen)

    on_device = (
        accounts(device=client.device, created_at__gte=now - timedelta(days=30))
        if client.device
        else 0
    )
    on_ip = (
        accounts(ip_address=client.ip_address, created_at__gte=now - timedelta(days=1))
        if client.ip_address
        else 0
    )
    declines = (
        Sighting.objects.filter(
            kind=Sighting.Kind.DECLINE, user_id=user_id, created_at__gte=now - timedelta(days=1)
        ).count()
        if user_id is not None
        else 0
    )
    address_name = (order.shipping_address or "").split("\n")[0]
    joined = getattr(user, "date_joined", None)
    return Facts(
        first_order=history.orders == 0,
        seconds_since_signup=(now - joined).total_seconds() if joined is not None else None,
        accounts_on_device=on_device,
        accounts_on_ip=on_ip,
        ip_country=client.ip_country,
        shipping_country=order.country,
        orders_last_hour=1 + sum(1 for d in history.recent_days if now - d < timedelta(hours=1)),
        declines_last_day=declines,
        account_name=(customer.name if customer is not None else "")
        or (f"{user.first_name} {user.last_name}" if user is not None else ""),
        address_name=address_name,
        shipping_method=order.shipping_method,
        total=Decimal(order.total),
        placed_at=now,
    )
