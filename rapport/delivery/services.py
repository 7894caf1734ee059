"""Training, storing and using the delivery promise model.

The fitted model lives in one JSON file (`RAPPORT_DELIVERY_MODEL_PATH`, by default
`var/delivery_model.json`), read once per process and again when the file changes. It is trained
from Olist's tables (`train_delivery_model --data-dir`) or from the store's own shipments
(`train_delivery_model --from-store`, and the beat task `retrain_delivery_model`). See
docs/delivery.md.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from rapport.delivery import calendar
from rapport.delivery.features import Item, OrderFacts, normalise_zip
from rapport.delivery.model import Promiser, train
from rapport.delivery.olist_tables import check_tables, read_geo, read_orders

if TYPE_CHECKING:
    from rapport.catalog.models import Product
    from rapport.orders.models import Order

log = logging.getLogger(__name__)
BRAZIL = {"brazil", "brasil", "br", "bra"}
_cache: dict[str, Any] = {"key": None, "promiser": None}


def model_path() -> Path:
    return Path(
        getattr(
            settings,
            "RAPPORT_DELIVERY_MODEL_PATH",
            settings.BASE_DIR / "var" / "delivery_model.json",
        )
    )


def load_promiser() -> Promiser | None:
    """The stored model (cached per process until the file changes), or None when there is none
    or it is unreadable or of an older format: promises then use the configured default days."""
    path = model_path()
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _cache["key"] != key:
        try:
            promiser: Promiser | None = Promiser.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
            promiser = None
        _cache.update(key=key, promiser=promiser)
    return _cache["promiser"]


def save_promiser(promiser: Promiser, out: Path | None = None) -> Path:
    """Write the model atomically (a reader never sees half a file)."""
    target = out or model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".delivery-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(promiser.to_dict(), handle, separators=(",", ":"))
    os.replace(tmp, target)
    return target


def train_from_olist(directory: Path, *, out: Path | None = None) -> Promiser:
    """Fit both promises on every order of Olist's tables in `directory` and store the model."""
    check_tables(directory)
    promiser = train(read_orders(directory), geo=read_geo(directory), source="olist")
    save_promiser(promiser, out)
    return promiser


# --- the store's own shipments -----------------------------------------------------------------
def _status_word(status: str) -> str:
    return {"cancelled": "canceled"}.get(status, status)


def store_history() -> list[OrderFacts]:
    """The store's orders (Olist's imported ones included) as the model sees them."""
    from rapport.orders.models import LineKind, Order, OrderLine

    orders = (
        Order.objects.filter(kind="order")
        .exclude(status="cancelled")
        .select_related("customer")
        .only(
            "id",
            "number",
            "status",
            "placed_at",
            "approved_at",
            "shipped_at",
            "delivered_at",
            "country",
            "customer__postal_code",
            "customer__region",
        )
        .order_by("placed_at", "id")
    )
    lines: dict[int, list[Item]] = {}
    for line in (
        OrderLine.objects.filter(kind=LineKind.PRODUCT, order__kind="order")
        .select_related("seller", "product")
        .only(
            "order_id",
            "quantity",
            "unit_price",
            "freight",
            "seller__external_id",
            "seller__zip_code_prefix",
            "seller__state",
            "product__weight_g",
            "product__length_cm",
            "product__height_cm",
            "product__width_cm",
        )
        .iterator(chunk_size=5000)
    ):
        lines.setdefault(line.order_id, []).extend(_items(line.product, line, line.quantity))
    tz = timezone.get_current_timezone()
    facts = []
    for order in orders.iterator(chunk_size=5000):

        def local(value: datetime.datetime | None) -> datetime.datetime | None:
            return timezone.localtime(value, tz).replace(tzinfo=None) if value else None

        customer = order.customer
        facts.append(
            OrderFacts(
                ref=order.number,
                status=_status_word(order.status),
                purchased_at=local(order.placed_at),  # type: ignore[arg-type]
                approved_at=local(order.approved_at),
                handed_over_at=local(order.shipped_at),
                delivered_at=local(order.delivered_at),
                customer_zip=normalise_zip(customer.postal_code) if customer else "",
                customer_state=(customer.region if customer else "").upper()[:2],
                items=tuple(lines.get(order.pk, ())),
            )
        )
    return facts


def _items(product: Product | None, line: Any, quantity: int) -> list[Item]:
    seller = getattr(line, "seller", None)
    weight = volume = None
    if product is not None:
        weight = float(product.weight_g) if product.weight_g is not None else None
        dims = (product.length_cm, product.height_cm, product.width_cm)
        volume = float(dims[0] * dims[1] * dims[2]) if None not in dims else None  # type: ignore[operator]
    unit = Item(
        seller_ref=seller.external_id if seller else "",
        seller_zip=normalise_zip(seller.zip_code_prefix) if seller else "",
        seller_state=seller.state.upper() if seller else "",
        weight_g=weight,
        volume_cm3=volume,
        price=float(getattr(line, "unit_price", 0) or 0),
        freight=float(getattr(line, "freight", 0) or 0) / max(1, quantity),
    )
    return [unit] * max(1, min(quantity, 50))


def retrain_from_store(
    *, min_delivered: int | None = None, out: Path | None = None
) -> Promiser | None:
    """Refit on the store's own shipments once there are enough delivered orders (default
    `RAPPORT_DELIVERY_RETRAIN_MIN_ORDERS`); returns None (and keeps the current model) below
    that or when the data cannot be fitted. Side effect: rewrites the model file."""
    needed = (
        min_delivered if min_delivered is not None else settings.RAPPORT_DELIVERY_RETRAIN_MIN_ORDERS
    )
    history = store_history()
    delivered = sum(1 for o in history if o.delivered_at is not None)
    if delivered < needed:
        log.info("Delivery model not retrained: %s delivered orders (< %s)", delivered, needed)
        return None
    current = load_promiser()
    geo = current.geo if current is not None else None
    if geo is None:
        log.info("Delivery model not retrained: no zip geography (train from Olist first)")
        return None
    try:
        promiser = train(
            history, geo=geo, late_target=settings.RAPPORT_DELIVERY_LATE_TARGET, source="store"
        )
    except ValueError as exc:
        log.warning("Delivery model not retrained: %s", exc, exc_info=True)
        return None
    save_promiser(promiser, out)
    return promiser


# --- promises ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Promise:
    """A delivery range: `earliest` likely day and the `promised` day (end of day, shop time);
    `placed` False when the order could not be put on a route; `by_method` True when the range
    is the shipping method's working days from the dispatch day (off route)."""

    earliest: datetime.datetime
    promised: datetime.datetime
    placed: bool
    from_model: bool
    region: str = ""  # the destination's state, when its zip prefix is known
    by_method: bool = False
    dispatch: datetime.date | None = None  # the day the parcel leaves the shop

    @property
    def working_days(self) -> tuple[int, int]:
        """Delivery days on the way, counted from the dispatch day (today when unknown)."""
        start = self.dispatch or timezone.localdate()
        return (
            calendar.delivery_days_between(start, self.earliest.date()),
            calendar.delivery_days_between(start, self.promised.date()),
        )

    @property
    def working_days_label(self) -> str:
        return calendar.working_days_label(*self.working_days)


def later_by_working_days(moment: datetime.datetime, days: int) -> datetime.datetime:
    """`moment` (a promise) moved `days` delivery days later, at the same end of day."""
    if days <= 0:
        return moment
    return _end_of_day(calendar.add_delivery_days(timezone.localtime(moment).date(), days))


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))


def is_brazil(country: str) -> bool:
    return country.strip().lower() in BRAZIL


def facts_for(
    *,
    placed_at: datetime.datetime,
    products: Iterable[tuple[Product, int]],
    postal_code: str,
    country: str,
    region: str = "",
) -> OrderFacts:
    """An order about to be placed: its products (with quantities) and where it goes. An address
    outside Brazil gets no zip prefix, so it is never placed on a Brazilian route."""
    wanted = list(products)
    sellers = last_sellers([product.pk for product, _ in wanted])
    items: list[Item] = []
    for product, quantity in wanted:
        items.extend(_items(product, _ProductLine(product, sellers.get(product.pk)), quantity))
    local = timezone.localtime(placed_at).replace(tzinfo=None)
    in_brazil = is_brazil(country) or (not country and bool(region))
    return OrderFacts(
        ref="",
        purchased_at=local,
        customer_zip=normalise_zip(postal_code) if in_brazil else "",
        customer_state=region.strip().upper()[:2] if in_brazil else "",
        items=tuple(items),
    )


def last_sellers(product_ids: list[int]) -> dict[int, Any]:
    """Product id → the seller of its latest marketplace order line (products the shop sells
    itself have none). One query."""
    from rapport.catalog.models import Seller
    from rapport.orders.models import OrderLine

    if not product_ids:
        return {}
    latest: dict[int, int] = {}
    for product_id, seller_id in (
        OrderLine.objects.filter(product_id__in=product_ids, seller__isnull=False)
        .order_by("product_id", "-order__placed_at", "-id")
        .values_list("product_id", "seller_id")
    ):
        latest.setdefault(product_id, seller_id)
    by_pk = Seller.objects.in_bulk(set(latest.values()))
    return {product_id: by_pk[seller_id] for product_id, seller_id in latest.items()}


class _ProductLine:
    """What `_items` reads from a line, for a product not yet ordered (its seller: the one it
    was last sold by on the marketplace, if any)."""

    def __init__(self, product: Product, seller: Any) -> None:
        self.seller = seller
        self.unit_price = product.price or 0
        self.freight = 0


def promise_for(facts: OrderFacts, transit: tuple[int, int] | None = None) -> Promise:
    """The checkout promise for `facts`. On a route the model's range decides; off route, a
    shipping method's `transit` (working days after the dispatch day) does; without either:
    `RAPPORT_DELIVERY_DEFAULT_DAYS` as the promised day and two days fewer as the early end
    (never an error). Every date is moved onto a day the carrier delivers (calendar.py)."""
    placed_at = timezone.make_aware(facts.purchased_at)
    dispatch = calendar.dispatch_day(placed_at)
    promiser = load_promiser()
    if promiser is not None:
        earliest, promised, placed = promiser.checkout_range(facts)
        if placed or transit is None:
            region = facts.customer_state or promiser.geo.states.get(facts.customer_zip, "")
            return Promise(
                _end_of_day(calendar.on_delivery_day(earliest)),
                _end_of_day(calendar.on_delivery_day(promised)),
                placed=placed,
                from_model=True,
                region=region if facts.customer_zip else "",
                dispatch=dispatch,
            )
    if transit is not None:
        low, high = transit
        return Promise(
            _end_of_day(calendar.add_delivery_days(dispatch, low)),
            _end_of_day(calendar.add_delivery_days(dispatch, high)),
            placed=False,
            from_model=False,
            by_method=True,
            dispatch=dispatch,
        )
    days = settings.RAPPORT_DELIVERY_DEFAULT_DAYS
    day = facts.purchased_at.date()
    return Promise(
        _end_of_day(calendar.on_delivery_day(day + datetime.timedelta(days=max(1, days - 2)))),
        _end_of_day(calendar.on_delivery_day(day + datetime.timedelta(days=days))),
        placed=False,
        from_model=False,
        dispatch=dispatch,
    )


def promise_for_checkout(
    *,
    items: Iterable[tuple[int, int]],
    postal_code: str,
    country: str,
    placed_at: datetime.datetime,
    transit: tuple[int, int] | None = None,
) -> Promise:
    """The promise shown at checkout and stored on the order (`estimated_delivery_at`), for
    (product id, quantity) pairs going to an address by a shipping method taking `transit`
    working days: both call this with the same inputs."""
    from rapport.catalog.models import Product

    wanted = list(items)
    products = Product.objects.in_bulk([product_id for product_id, _ in wanted])
    return promise_for(
        facts_for(
            placed_at=placed_at,
            products=[(products[pid], qty) for pid, qty in wanted if pid in products],
            postal_code=postal_code,
            country=country,
        ),
        transit,
    )


def looks_brazilian(postcode: str) -> bool:
    """A CEP (8 digits, with or without the dash) or its 5-digit prefix."""
    digits = "".join(c for c in postcode if c.isdigit())
    rest = "".join(c for c in postcode if not c.isdigit() and c not in "- ")
    return not rest and len(digits) in (5, 8)


def promise_for_product(
    product: Product,
    *,
    postcode: str = "",
    customer: Any = None,
    now: datetime.datetime | None = None,
    transit: tuple[int, int] | None = None,
) -> Promise:
    """The range shown on a product page: to a postcode the visitor typed (a Brazilian CEP is
    placed on a route, anything else gets the fallback), else to the signed-in customer's
    address on record, else the fallback."""
    country = region = ""
    if postcode:
        country = "Brazil" if looks_brazilian(postcode) else "other"
    elif customer is not None and customer.postal_code:
        postcode, country, region = customer.postal_code, customer.country, customer.region
    elif customer is not None:
        from rapport.checkout.models import Address

        address = Address.objects.filter(customer=customer).first()  # the newest
        if address is not None:
            postcode, country = address.postal_code, address.country
    return promise_for(
        facts_for(
            placed_at=now or timezone.now(),
            products=[(product, 1)],
            postal_code=postcode,
            country=country,
            region=region,
        ),
        transit,
    )


def promised_datetime(placed_at: datetime.datetime | None = None) -> datetime.datetime:
    """The promise for an order about which nothing else is known (the wider fallback)."""
    facts = OrderFacts(
        ref="",
        purchased_at=timezone.localtime(placed_at or timezone.now()).replace(tzinfo=None),
        customer_zip="",
        customer_state="",
    )
    return promise_for(facts).promised


def order_facts(order: Order) -> OrderFacts:
    """A placed order as the model sees it (destination from its customer's record)."""
    from rapport.orders.models import LineKind

    def local(value: datetime.datetime | None) -> datetime.datetime | None:
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    items: list[Item] = []
    for line in order.lines.filter(kind=LineKind.PRODUCT).select_related("product", "seller"):
        items.extend(_items(line.product, line, line.quantity))
    customer = order.customer
    country = order.country or (customer.country if customer else "")
    in_brazil = is_brazil(country)
    return OrderFacts(
        ref=order.number,
        purchased_at=local(order.placed_at),  # type: ignore[arg-type]
        approved_at=local(order.approved_at),
        handed_over_at=local(order.shipped_at),
        customer_zip=normalise_zip(customer.postal_code) if customer and in_brazil else "",
        customer_state=customer.region.upper()[:2] if customer and in_brazil else "",
        items=tuple(items),
    )


def updated_promise(order: Order) -> datetime.datetime | None:
    """The "now expected by" date once the order is with the carrier, or None before shipping,
    after delivery, or without a model that knows hand-over times. The order's own promise
    (`estimated_delivery_at`, fixed at checkout) is kept as it was."""
    if order.shipped_at is None or order.delivered_at is not None:
        return None
    promiser = load_promiser()
    if promiser is None:
        return None
    day = promiser.handover_promise(order_facts(order))
    return _end_of_day(day) if day else None
