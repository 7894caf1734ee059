"""The store's side of order risk: the same features as `retail.py`, read from the database for
one order, the fraud facts from what checkout recorded, and the learned model on disk."""

from __future__ import annotations

import logging
import operator
import time
from datetime import timedelta
from decimal import Decimal
from functools import reduce
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from rapport.orders.models import LineKind, Order, OrderLine
from rapport.risk.client import Client
from rapport.risk.features import Basket, CustomerHistory, Rates
from rapport.risk.history import count_history, history_of
from rapport.risk.model import RiskModel
from rapport.risk.models import CancellationCount, RiskHistory, Sighting
from rapport.risk.rules import Facts

log = logging.getLogger(__name__)

COUNTRY_RATES_KEY = "risk:country-rates:v2"
# Accounts seen on one device or address are counted up to this many (beside the user's own).
ACCOUNTS_MAX = 1000
COUNTRIES_IN_PROCESS = 60.0
_loaded: tuple[float, RiskModel | None] | None = None
_countries: tuple[float, dict[str, tuple[int, int]]] | None = None


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
    """The customer's orders and cancellations before `order`: their maintained row, read by key
    (`history.py`; at checkout the row does not hold `order` yet: it is noted after scoring), or
    counted from the orders for a customer who has no row yet."""
    if order.customer_id is None:
        return CustomerHistory()
    row = RiskHistory.objects.filter(customer_id=order.customer_id).first()
    if row is not None:
        return history_of(row, order.placed_at)
    if not Order.objects.filter(
        customer_id=order.customer_id, placed_at__lt=order.placed_at
    ).exists():
        return CustomerHistory()
    return count_history(order.customer_id, order.placed_at)


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
    (cached: `_country_counts`), as the hourly task counted them (`counts.py`); a product it has not
    counted yet is new to the shop."""
    rates = Rates(home_country=getattr(settings, "RAPPORT_HOME_COUNTRY", "United Kingdom"))
    for sku, sold, cancelled in CancellationCount.objects.filter(
        kind=CancellationCount.Kind.PRODUCT, key__in=list(basket.lines)
    ).values_list("key", "sold", "cancelled"):
        rates.product_sold[sku] = sold
        rates.product_cancelled[sku] = cancelled
    countries = _country_counts()
    for country, (orders, cancelled) in countries.items():
        rates.country_orders[country] = orders
        rates.country_cancellations[country] = cancelled
    return rates


def _country_counts() -> dict[str, tuple[int, int]]:
    """Every country's (orders, cancellations): kept a minute in this process (no round trip to
    the cache per order), an hour in the shared cache, counted hourly anyway."""
    global _countries
    now = time.monotonic()
    if _countries is not None and _countries[0] > now:
        return _countries[1]
    countries = cache.get(COUNTRY_RATES_KEY)
    if countries is None:
        countries = {
            key: (sold, cancelled)
            for key, sold, cancelled in CancellationCount.objects.filter(
                kind=CancellationCount.Kind.COUNTRY
            ).values_list("key", "sold", "cancelled")
        }
        cache.set(COUNTRY_RATES_KEY, countries, 3600)
    _countries = (now + COUNTRIES_IN_PROCESS, countries)
    return countries


def forget_country_counts() -> None:
    """Drop the country counts kept here and in the shared cache (after a recount)."""
    global _countries
    _countries = None
    cache.delete(COUNTRY_RATES_KEY)


def facts_for(order: Order, client: Client, history: CustomerHistory) -> Facts:
    """The fraud facts of `order` (its Sighting is written by the caller afterwards)."""
    now = order.placed_at
    customer = order.customer
    user = customer.user if customer is not None else None
    user_id = user.pk if user is not None else None

    # One query for the three counts (accounts seen on the device in 30 days and on the IP
    # address in a day, besides this user; the user's declined cards in a day).
    on_device_q = (
        Q(kind=Sighting.Kind.ORDER, device=client.device, created_at__gte=now - timedelta(days=30))
        if client.device
        else None
    )
    on_ip_q = (
        Q(
            kind=Sighting.Kind.ORDER,
            ip_address=client.ip_address,
            created_at__gte=now - timedelta(days=1),
        )
        if client.ip_address
        else None
    )
    declines_q = (
        Q(kind=Sighting.Kind.DECLINE, user_id=user_id, created_at__gte=now - timedelta(days=1))
        if user_id is not None
        else None
    )
    wanted = [q for q in (on_device_q, on_ip_q, declines_q) if q is not None]
    counts: dict[str, int] = {}
    if wanted:
        others = ~Q(user_id=user_id) if user_id is not None else Q()
        aggregates = {}
        if on_device_q is not None:
            aggregates["device"] = Count("user_id", distinct=True, filter=on_device_q & others)
        if on_ip_q is not None:
            aggregates["ip"] = Count("user_id", distinct=True, filter=on_ip_q & others)
        if declines_q is not None:
            aggregates["declines"] = Count("pk", filter=declines_q)
        counts = Sighting.objects.filter(reduce(operator.or_, wanted)).aggregate(**aggregates)
    me = 1 if user_id is not None else 0
    on_device = min(counts["device"], ACCOUNTS_MAX) + me if on_device_q is not None else 0
    on_ip = min(counts["ip"], ACCOUNTS_MAX) + me if on_ip_q is not None else 0
    declines = counts.get("declines", 0)
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
