"""What the promise model knows about an order: route, sellers' history, parcel, calendar.

Plain Python (no pandas): the same code builds the training matrix and the one row of a live
promise, which has to take well under a millisecond. Missing facts (an unknown zip prefix, a seller
without history) are NaN, which the gradient-boosted trees route like any other value; a promise
made without a route is calibrated on its own (see `model.Promiser.fallback_offset`).
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NAN = float("nan")
CHECKOUT, HANDOVER = "checkout", "handover"

# Brazil's five regions (IBGE), by state abbreviation.
REGIONS: dict[str, str] = {
    **dict.fromkeys(("AC", "AP", "AM", "PA", "RO", "RR", "TO"), "N"),
    **dict.fromkeys(("AL", "BA", "CE", "MA", "PB", "PE", "PI", "RN", "SE"), "NE"),
    **dict.fromkeys(("DF", "GO", "MT", "MS"), "CO"),
    **dict.fromkeys(("ES", "MG", "RJ", "SP"), "SE"),
    **dict.fromkeys(("PR", "RS", "SC"), "S"),
}
SAME_STATE, SAME_REGION, INTERSTATE = "same_state", "same_region", "interstate"
ROUTE_CODES = {SAME_STATE: 0.0, SAME_REGION: 1.0, INTERSTATE: 2.0}

CHECKOUT_FEATURES = (
    "distance_km",
    "route_class",
    "customer_lat",
    "customer_lng",
    "seller_lat",
    "seller_lng",
    "seller_handling_median",
    "seller_handling_p90",
    "seller_orders_log",
    "seller_transit_median",
    "route_days_median",
    "route_days_p90",
    "customer_state_days_median",
    "weight_g",
    "volume_cm3",
    "freight",
    "price",
    "items",
    "sellers",
    "weekday",
    "hour",
    "season_sin",
    "season_cos",
)
HANDOVER_FEATURES = (*CHECKOUT_FEATURES, "handling_days", "handover_weekday", "handover_hour")
# Blanked for a promise that cannot be placed on a route (no zip, another country, new seller).
ROUTE_FEATURES = frozenset(
    {
        "distance_km",
        "route_class",
        "customer_lat",
        "customer_lng",
        "seller_lat",
        "seller_lng",
        "seller_handling_median",
        "seller_handling_p90",
        "seller_orders_log",
        "seller_transit_median",
        "route_days_median",
        "route_days_p90",
        "customer_state_days_median",
    }
)


@dataclass(frozen=True, slots=True)
class Item:
    """One unit of an order line, as far as delivery is concerned."""

    seller_ref: str
    seller_zip: str
    seller_state: str
    weight_g: float | None
    volume_cm3: float | None
    price: float
    freight: float


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """An order as the model sees it. `their_promise` (the marketplace's own date) is kept only
    to compare with; it is never a feature."""

    ref: str
    purchased_at: datetime.datetime
    customer_zip: str
    customer_state: str
    items: tuple[Item, ...] = ()
    status: str = ""
    approved_at: datetime.datetime | None = None
    handed_over_at: datetime.datetime | None = None
    delivered_at: datetime.datetime | None = None
    their_promise: datetime.date | None = None

    def anchor(self, kind: str) -> datetime.datetime | None:
        return self.purchased_at if kind == CHECKOUT else self.handed_over_at

    def days_after(self, kind: str) -> int:
        anchor = self.anchor(kind)
        assert anchor is not None and self.delivered_at is not None
        return max(0, (self.delivered_at.date() - anchor.date()).days)

    def handling_days(self) -> float | None:
        """Days from payment approval (or purchase) to the carrier hand-over."""
        if self.handed_over_at is None:
            return None
        start = self.approved_at or self.purchased_at
        return max(0.0, (self.handed_over_at - start).total_seconds() / 86400)


@dataclass
class Geo:
    """Zip prefix (5 digits) → mean (latitude, longitude) and its state."""

    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)

    def point(self, zip_prefix: str) -> tuple[float, float] | None:
        return self.points.get(normalise_zip(zip_prefix))


def normalise_zip(raw: str) -> str:
    """A Brazilian CEP or its prefix ("01310-100", "1310", "01310") → its 5-digit prefix."""
    digits = "".join(c for c in raw if c.isdigit())
    if not digits:
        return ""
    return digits.zfill(8)[:5] if len(digits) > 5 else digits.zfill(5)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def route_class(seller_state: str, customer_state: str) -> str | None:
    """Same state, same region (another state) or interstate across regions; None if unknown."""
    if not seller_state or not customer_state:
        return None
    if seller_state == customer_state:
        return SAME_STATE
    seller_region, customer_region = REGIONS.get(seller_state), REGIONS.get(customer_state)
    if seller_region is None or customer_region is None:
        return None
    return SAME_REGION if seller_region == customer_region else INTERSTATE


def _median_p90(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


@dataclass
class History:
    """What past orders say, as known at one moment: per seller (handling: approval → carrier;
    transit: carrier → customer), per state-to-state route and per customer state (days from
    purchase to delivery). Keys with fewer than `MIN_ORDERS` orders are left out."""

    MIN_ORDERS = 3

    sellers: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    routes: dict[str, tuple[float, float]] = field(default_factory=dict)
    states: dict[str, float] = field(default_factory=dict)

    @classmethod
    def learn(cls, orders: Iterable[OrderFacts], known_at: datetime.datetime) -> History:
        """Only what had happened before `known_at` counts (hand-overs and deliveries)."""
        handling: dict[str, list[float]] = defaultdict(list)
        transit: dict[str, list[float]] = defaultdict(list)
        routes: dict[str, list[float]] = defaultdict(list)
        states: dict[str, list[float]] = defaultdict(list)
        for order in orders:
            if order.handed_over_at is None or order.handed_over_at >= known_at:
                continue
            days = order.handling_days()
            delivered = order.delivered_at is not None and order.delivered_at < known_at
            refs = {item.seller_ref for item in order.items}
            for ref in refs:
                handling[ref].append(days)  # type: ignore[arg-type]
                if delivered:
                    transit[ref].append(float(order.days_after(HANDOVER)))
            if delivered:
                total = float(order.days_after(CHECKOUT))
                for state in {item.seller_state for item in order.items}:
                    routes[f"{state}>{order.customer_state}"].append(total)
                states[order.customer_state].append(total)
        sellers = {}
        for ref, values in handling.items():
            if len(values) >= cls.MIN_ORDERS:
                median, p90 = _median_p90(values)
                moved = transit.get(ref, [])
                transit_median = statistics.median(moved) if len(moved) >= cls.MIN_ORDERS else NAN
                sellers[ref] = (median, p90, float(len(values)), transit_median)
        return cls(
            sellers=sellers,
            routes={k: _median_p90(v) for k, v in routes.items() if len(v) >= cls.MIN_ORDERS},
            states={k: statistics.median(v) for k, v in states.items() if len(v) >= cls.MIN_ORDERS},
        )


def _total(values: Sequence[float | None]) -> float:
    if not values or any(v is None for v in values):
        return NAN
    return float(sum(values))  # type: ignore[arg-type]


def describe_route(order: OrderFacts, geo: Geo) -> tuple[float | None, str | None]:
    """(distance in km to the farthest seller, route class of that seller) or None parts."""
    customer = geo.point(order.customer_zip)
    customer_state = order.customer_state or geo.states.get(normalise_zip(order.customer_zip), "")
    farthest: tuple[float, str | None] | None = None
    for item in order.items:
        seller = geo.point(item.seller_zip)
        seller_state = item.seller_state or geo.states.get(normalise_zip(item.seller_zip), "")
        kind = route_class(seller_state, customer_state)
        distance = haversine_km(seller, customer) if seller and customer else None
        if distance is not None and (farthest is None or distance > farthest[0]):
            farthest = (distance, kind)
        elif farthest is None and kind is not None:
            farthest = (NAN, kind)
    if farthest is None:
        return None, None
    return (None if math.isnan(farthest[0]) else farthest[0]), farthest[1]


def feature_row(
    order: OrderFacts, *, kind: str, geo: Geo, history: History, placed: bool = True
) -> list[float]:
    """The feature vector of `order` for a promise made at `kind`'s anchor (names in
    CHECKOUT_FEATURES / HANDOVER_FEATURES). `placed=False` blanks everything about the route."""
    customer = geo.point(order.customer_zip) if placed else None
    customer_state = order.customer_state or geo.states.get(normalise_zip(order.customer_zip), "")
    # The farthest seller decides the route (the order arrives when its last parcel does).
    seller_point: tuple[float, float] | None = None
    distance = route = NAN
    handling_median = handling_p90 = transit_median = route_median = route_p90 = NAN
    seller_orders = 0.0
    if placed:
        best = -1.0
        for item in order.items:
            point = geo.point(item.seller_zip)
            d = haversine_km(point, customer) if point and customer else -1.0
            if d > best or seller_point is None:
                best, seller_point = d, point
                distance = d if d >= 0 else NAN
                seller_state = item.seller_state or geo.states.get(
                    normalise_zip(item.seller_zip), ""
                )
                kind_of_route = route_class(seller_state, customer_state)
                route = ROUTE_CODES[kind_of_route] if kind_of_route else NAN
                stats = history.routes.get(f"{seller_state}>{customer_state}")
                route_median, route_p90 = stats if stats else (NAN, NAN)
        # The slowest seller's habits count.
        for item in order.items:
            known = history.sellers.get(item.seller_ref)
            if known is None:
                continue
            if math.isnan(handling_median) or known[0] > handling_median:
                handling_median, handling_p90, seller_orders, transit_median = known
        seller_orders = math.log1p(seller_orders)
    weights = [item.weight_g for item in order.items]
    volumes = [item.volume_cm3 for item in order.items]
    bought = order.purchased_at
    angle = 2 * math.pi * bought.timetuple().tm_yday / 365.25
    row = [
        distance,
        route,
        customer[0] if customer else NAN,
        customer[1] if customer else NAN,
        seller_point[0] if seller_point else NAN,
        seller_point[1] if seller_point else NAN,
        handling_median,
        handling_p90,
        seller_orders if placed else NAN,
        transit_median,
        route_median,
        route_p90,
        history.states.get(customer_state, NAN) if placed else NAN,
        _total(weights),
        _total(volumes),
        float(sum(item.freight for item in order.items)) if order.items else NAN,
        float(sum(item.price for item in order.items)) if order.items else NAN,
        float(len(order.items)),
        float(len({item.seller_ref for item in order.items})),
        float(bought.weekday()),
        float(bought.hour),
        math.sin(angle),
        math.cos(angle),
    ]
    if kind == HANDOVER:
        handed = order.handed_over_at
        assert handed is not None
        row += [order.handling_days() or 0.0, float(handed.weekday()), float(handed.hour)]
    return row
