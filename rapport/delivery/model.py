"""The delivery promise model: gradient-boosted trees on route, seller, parcel and calendar.

Two promises, each "anchor date + k days":

- **checkout** (anchor: the purchase): shown on the product page and at checkout, kept as the
  order's promise and mailed;
- **hand-over** (anchor: the parcel handed to the carrier): the firmer "now expected by" date.

Each is a location-scale model of log(1 + days after the anchor): one HistGradientBoosting
regressor for the typical value `mu` and one for the typical absolute deviation `sigma`
(scikit-learn, squared error: fast to fit). The promise is `expm1(mu + a + b * sigma)` rounded up.
`(a, b)` are chosen on a validation slice (the last 20 % of purchases before the training time)
as the pair with the lowest mean absolute error whose late share stays within the target:
a split-conformal calibration in which `b` lets orders on steady routes get tighter promises.
Validation orders still in transit at the training time count as late when their promise has
already passed and are left out otherwise, so nothing from after the training time is used.
A second pair `(a, b)` is calibrated the same way on the validation slice with every route fact
blanked: the fallback for orders that cannot be placed on a route, wider by construction.

The fitted trees are exported to plain lists (`Forest`), so a promise needs no scikit-learn and
no numpy: one feature row and a walk down each tree, well under a millisecond.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rapport.delivery.features import (
    CHECKOUT,
    CHECKOUT_FEATURES,
    HANDOVER,
    HANDOVER_FEATURES,
    Geo,
    History,
    OrderFacts,
    feature_row,
)

VALIDATION_SHARE = 0.2
SIGMA_FLOOR = 0.05
A_GRID = np.round(np.arange(-0.6, 1.61, 0.025), 3)
B_GRID = np.round(np.arange(0.0, 3.01, 0.25), 2)
TREE_PARAMS: dict[str, Any] = {
    "max_iter": 150,
    "learning_rate": 0.1,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "random_state": 0,
}
SCALE_PARAMS: dict[str, Any] = {**TREE_PARAMS, "max_iter": 60, "min_samples_leaf": 100}


# --- trees as plain lists ----------------------------------------------------------------------
@dataclass
class Forest:
    """Additive regression trees: `base + sum(leaf value of each tree)`. Each tree is a list of
    nodes `[feature, threshold, missing_goes_left, left, right, value, is_leaf]`."""

    base: float
    trees: list[list[list[float]]]

    @classmethod
    def from_sklearn(cls, estimator: Any) -> Forest:
        trees = []
        for (predictor,) in estimator._predictors:
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise ValueError("Categorical splits are not exported.")
            trees.append(
                [
                    [
                        int(n["feature_idx"]),
                        float(n["num_threshold"]),
                        int(n["missing_go_to_left"]),
                        int(n["left"]),
                        int(n["right"]),
                        float(n["value"]),
                        int(n["is_leaf"]),
                    ]
                    for n in nodes
                ]
            )
        return cls(float(np.ravel(estimator._baseline_prediction)[0]), trees)

    @classmethod
    def constant(cls, value: float) -> Forest:
        return cls(value, [])

    def predict(self, row: Sequence[float]) -> float:
        total = self.base
        for tree in self.trees:
            node = tree[0]
            while not node[6]:
                x = row[int(node[0])]
                if x != x:  # NaN
                    node = tree[int(node[3] if node[2] else node[4])]
                else:
                    node = tree[int(node[3] if x <= node[1] else node[4])]
            total += node[5]
        return total


def _fit_forest(x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> tuple[Forest, Any]:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    # A column that is missing everywhere (a shop that records no weights) cannot be binned;
    # as a constant it is never split on.
    x = np.where(np.isnan(x).all(axis=0)[None, :], 0.0, x)
    # One thread: on a busy machine OpenMP's spinning threads cost more than they give.
    with threadpool_limits(1):
        estimator = HistGradientBoostingRegressor(**params).fit(x, y)
    return Forest.from_sklearn(estimator), estimator


# --- a promise ---------------------------------------------------------------------------------
@dataclass
class Stage:
    """One promise (checkout or hand-over): location and scale trees, the calibrated `(a, b)`
    for orders placed on a route and `(fallback_a, fallback_b)` for the others."""

    kind: str
    mu: Forest
    sigma: Forest
    a: float
    b: float
    fallback_a: float
    fallback_b: float

    @classmethod
    def constant(cls, kind: str, days: int, fallback_days: int | None = None) -> Stage:
        """A stage promising `days` on every route (`fallback_days` off route): for tests and
        demos, no fitting."""
        base = math.log1p(days)
        extra = math.log1p(fallback_days if fallback_days is not None else days) - base
        return cls(kind, Forest.constant(base), Forest.constant(0.0), 0.0, 0.0, extra, 0.0)

    @property
    def floor(self) -> int:
        return 1 if self.kind == CHECKOUT else 0

    def raw(self, row: Sequence[float]) -> tuple[float, float]:
        return self.mu.predict(row), max(SIGMA_FLOOR, self.sigma.predict(row))

    def days(self, row: Sequence[float], *, placed: bool = True) -> tuple[int, int]:
        """(earliest likely, promised) days after the anchor. Off route the margin above the
        typical value is the fallback's (never less than the placed one), and the early end
        moves down by as much as the promise moves up: a wider range."""
        mu, sigma = self.raw(row)
        margin = self.a + self.b * sigma
        extra = 0.0
        if not placed:
            extra = max(0.0, self.fallback_a + self.fallback_b * sigma - margin)
        # Below a hundredth of a day is noise, not a reason to promise a day later.
        promised = max(self.floor, math.ceil(round(math.expm1(mu + margin + extra), 2)))
        # The early end of the range: one typical deviation below the typical value.
        earliest = max(self.floor, math.floor(math.expm1(mu - sigma - extra)))
        return min(earliest, promised), promised


@dataclass
class Promiser:
    """Everything a promise needs: both stages, the zip geography and the history statistics."""

    checkout: Stage
    handover: Stage | None
    geo: Geo
    history: History
    trained_on: int = 0
    trained_until: str = ""
    late_target: float = 0.0
    source: str = ""
    validation: dict[str, Any] = field(default_factory=dict)

    def placed(self, order: OrderFacts) -> bool:
        """Can the order be put on a route: a known customer zip and a known seller zip?"""
        if self.geo.point(order.customer_zip) is None or not order.items:
            return False
        return all(self.geo.point(item.seller_zip) is not None for item in order.items)

    def checkout_range(self, order: OrderFacts) -> tuple[datetime.date, datetime.date, bool]:
        """(earliest likely date, promised date, placed on a route) for an order placed now."""
        placed = self.placed(order)
        row = feature_row(order, kind=CHECKOUT, geo=self.geo, history=self.history, placed=placed)
        low, high = self.checkout.days(row, placed=placed)
        day = order.purchased_at.date()
        return day + datetime.timedelta(days=low), day + datetime.timedelta(days=high), placed

    def handover_promise(self, order: OrderFacts) -> datetime.date | None:
        """The re-estimate once the carrier has the parcel (None without a hand-over stage)."""
        if self.handover is None or order.handed_over_at is None:
            return None
        placed = self.placed(order)
        row = feature_row(order, kind=HANDOVER, geo=self.geo, history=self.history, placed=placed)
        return order.handed_over_at.date() + datetime.timedelta(
            days=self.handover.days(row, placed=placed)[1]
        )

    # --- storage (JSON, no pickle) ---
    def to_dict(self) -> dict[str, Any]:
        def stage(s: Stage | None) -> dict[str, Any] | None:
            if s is None:
                return None
            return {
                "kind": s.kind,
                "mu": [s.mu.base, s.mu.trees],
                "sigma": [s.sigma.base, s.sigma.trees],
                "a": s.a,
                "b": s.b,
                "fallback_a": s.fallback_a,
                "fallback_b": s.fallback_b,
            }

        return {
            "format": 2,
            "checkout": stage(self.checkout),
            "handover": stage(self.handover),
            "geo": {
                "points": {k: [round(v[0], 5), round(v[1], 5)] for k, v in self.geo.points.items()},
                "states": self.geo.states,
            },
            "history": {
                "sellers": self.history.sellers,
                "routes": self.history.routes,
                "states": self.history.states,
            },
            "trained_on": self.trained_on,
            "trained_until": self.trained_until,
            "late_target": self.late_target,
            "source": self.source,
            "validation": self.validation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Promiser:
        if data.get("format") != 2:
            raise ValueError("Not a delivery model of the current format.")

        def stage(raw: dict[str, Any] | None) -> Stage | None:
            if not raw:
                return None
            return Stage(
                kind=raw["kind"],
                mu=Forest(*raw["mu"]),
                sigma=Forest(*raw["sigma"]),
                a=raw["a"],
                b=raw["b"],
                fallback_a=raw["fallback_a"],
                fallback_b=raw["fallback_b"],
            )

        checkout = stage(data["checkout"])
        assert checkout is not None
        nan = float("nan")
        history = data["history"]
        return cls(
            checkout=checkout,
            handover=stage(data.get("handover")),
            geo=Geo(
                points={k: (v[0], v[1]) for k, v in data["geo"]["points"].items()},
                states=data["geo"]["states"],
            ),
            history=History(
                sellers={
                    k: tuple(nan if x is None else x for x in v)  # type: ignore[misc]
                    for k, v in history["sellers"].items()
                },
                routes={k: (v[0], v[1]) for k, v in history["routes"].items()},
                states=history["states"],
            ),
            trained_on=data.get("trained_on", 0),
            trained_until=data.get("trained_until", ""),
            late_target=data.get("late_target", 0.0),
            source=data.get("source", ""),
            validation=data.get("validation", {}),
        )


# --- scoring -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    orders: int
    mae_days: float
    late_share: float
    median_error_days: float  # median of (delivered - promised) in days: negative = early

    def as_dict(self) -> dict[str, float | int]:
        return {
            "orders": self.orders,
            "mae_days": round(self.mae_days, 4),
            "late_share": round(self.late_share, 4),
            "median_error_days": round(self.median_error_days, 4),
        }


def score(promised: Sequence[datetime.date], orders: Sequence[OrderFacts]) -> Metrics:
    """MAE (days) between promise and delivery, the share delivered after the promised day and
    the median signed error, over delivered orders."""
    errors = np.array(
        [
            (o.delivered_at.date() - p).days  # type: ignore[union-attr]
            for o, p in zip(orders, promised, strict=True)
        ],
        dtype=np.float64,
    )
    if not len(errors):
        return Metrics(0, 0.0, 0.0, 0.0)
    return Metrics(
        len(errors),
        float(np.abs(errors).mean()),
        float((errors > 0).mean()),
        float(np.median(errors)),
    )


# --- fitting -----------------------------------------------------------------------------------
def _matrix(
    orders: Sequence[OrderFacts], kind: str, geo: Geo, history: History, placed: bool = True
) -> np.ndarray:
    width = len(CHECKOUT_FEATURES if kind == CHECKOUT else HANDOVER_FEATURES)
    if not orders:
        return np.zeros((0, width))
    return np.array(
        [feature_row(o, kind=kind, geo=geo, history=history, placed=placed) for o in orders]
    )


def _target(orders: Sequence[OrderFacts], kind: str) -> np.ndarray:
    return np.log1p(np.array([o.days_after(kind) for o in orders], dtype=float))


def fit_trees(
    orders: Sequence[OrderFacts], kind: str, geo: Geo, history: History
) -> tuple[Forest, Forest]:
    """Location and scale trees on delivered orders (ValueError when there are too few)."""
    if len(orders) < 20:
        raise ValueError("Too few delivered orders to learn delivery times from.")
    x, y = _matrix(orders, kind, geo, history), _target(orders, kind)
    mu, estimator = _fit_forest(x, y, TREE_PARAMS)
    sigma, _ = _fit_forest(x, np.abs(y - estimator.predict(x)), SCALE_PARAMS)
    return mu, sigma


def calibrate(
    stage_kind: str,
    mu: np.ndarray,
    sigma: np.ndarray,
    anchors: np.ndarray,
    delivered: np.ndarray,
    cut: int,
    target: float,
) -> tuple[float, float, dict[str, float]]:
    """The `(a, b)` with the lowest validation MAE whose late share is within `target` (the
    most conservative pair when none is). `anchors`/`delivered`: day ordinals, delivered -1 when
    still in transit at `cut` (late once its promise has passed, not counted before)."""
    floor = 1 if stage_kind == CHECKOUT else 0
    sigma = np.maximum(sigma, SIGMA_FLOOR)
    pending = delivered < 0
    best: tuple[float, float, float, float, int] | None = None
    fallback: tuple[float, float, float, float, int] | None = None
    for b in B_GRID:
        shift = mu + b * sigma
        days = np.ceil(np.round(np.expm1(shift[None, :] + A_GRID[:, None]), 2))
        promise = anchors[None, :] + np.maximum(floor, days)
        scored = ~pending[None, :] | (promise < cut)
        late = np.where(pending[None, :], promise < cut, delivered[None, :] > promise)
        error = np.where(pending[None, :], cut - promise, np.abs(delivered[None, :] - promise))
        n = np.maximum(scored.sum(axis=1), 1)
        late_share = (late & scored).sum(axis=1) / n
        mae = (error * scored).sum(axis=1) / n
        ok = np.flatnonzero(late_share <= target + 1e-12)
        if len(ok):
            i = int(ok[np.argmin(mae[ok])])
            if best is None or mae[i] < best[2] - 1e-9:
                best = (float(A_GRID[i]), float(b), float(mae[i]), float(late_share[i]), int(n[i]))
        i = len(A_GRID) - 1
        if fallback is None or late_share[i] < fallback[3]:
            fallback = (float(A_GRID[i]), float(b), float(mae[i]), float(late_share[i]), int(n[i]))
    chosen = best or fallback
    assert chosen is not None
    return (
        chosen[0],
        chosen[1],
        {"mae_days": chosen[2], "late_share": chosen[3], "orders": chosen[4]},
    )


def _validation_arrays(
    orders: Sequence[OrderFacts], kind: str, known_at: datetime.datetime
) -> tuple[np.ndarray, np.ndarray, int]:
    anchors = np.array([o.anchor(kind).date().toordinal() for o in orders])  # type: ignore[union-attr]
    delivered = np.array(
        [
            o.delivered_at.date().toordinal()
            if o.delivered_at and o.delivered_at < known_at
            else -1
            for o in orders
        ]
    )
    return anchors, delivered, known_at.date().toordinal()


def _their_late_share(orders: Sequence[OrderFacts], known_at: datetime.datetime) -> float:
    """The marketplace's own late share as known at `known_at`, over the orders whose promised
    day had passed by then (so in-transit orders do not bias it: past their promise is late)."""
    late = counted = 0
    for order in orders:
        if order.their_promise is None or order.their_promise >= known_at.date():
            continue
        counted += 1
        delivered = (
            order.delivered_at if order.delivered_at and order.delivered_at < known_at else None
        )
        late += delivered is None or delivered.date() > order.their_promise
    return late / counted if counted else 0.0


def fit_stage(
    orders: Sequence[OrderFacts],
    *,
    kind: str,
    geo: Geo,
    known_at: datetime.datetime,
    late_target: float | None,
) -> tuple[Stage, dict[str, Any], float]:
    """Calibrate on the validation slice, then refit the trees on everything known at
    `known_at`. `late_target` None: the marketplace's own late share on the validation slice
    (orders that carry `their_promise`). Returns the stage, validation figures and target."""
    history_orders = sorted(
        (o for o in orders if o.purchased_at < known_at and o.anchor(kind) is not None),
        key=lambda o: o.purchased_at,
    )
    if len(history_orders) < 50:
        raise ValueError("Too few orders to learn delivery times from.")
    v_start = history_orders[int(len(history_orders) * (1 - VALIDATION_SHARE))].purchased_at
    inner = [o for o in history_orders if o.delivered_at and o.delivered_at < v_start]
    valid = [
        o
        for o in history_orders
        if o.purchased_at >= v_start
        and o.anchor(kind) < known_at  # type: ignore[operator]
        and o.status not in ("canceled", "unavailable")
        and (o.delivered_at is not None or o.status in ("shipped", "delivered", ""))
    ]
    if late_target is None:
        late_target = _their_late_share(valid, known_at)
    inner_history = History.learn(history_orders, v_start)
    mu, sigma = fit_trees(inner, kind, geo, inner_history)
    anchors, delivered, cut = _validation_arrays(valid, kind, known_at)
    figures: dict[str, Any] = {"late_target": late_target}
    pairs = {}
    for placed in (True, False):
        x = _matrix(valid, kind, geo, inner_history, placed=placed)
        m = np.array([mu.predict(r) for r in x]) if len(x) else np.zeros(0)
        s = np.array([sigma.predict(r) for r in x]) if len(x) else np.zeros(0)
        a, b, found = calibrate(kind, m, s, anchors, delivered, cut, late_target)
        pairs[placed] = (a, b)
        figures["placed" if placed else "fallback"] = {"a": a, "b": b, **found}
    known = [o for o in history_orders if o.delivered_at and o.delivered_at < known_at]
    final_history = History.learn(history_orders, known_at)
    mu, sigma = fit_trees(known, kind, geo, final_history)
    stage = Stage(kind, mu, sigma, *pairs[True], *pairs[False])
    return stage, figures, late_target


def train(
    orders: Sequence[OrderFacts],
    *,
    geo: Geo,
    known_at: datetime.datetime | None = None,
    late_target: float | None = None,
    source: str = "",
) -> Promiser:
    """Both promises from what was known at `known_at` (default: just after the last delivery).
    The hand-over promise is left out when the history has no hand-over times."""
    delivered = [o.delivered_at for o in orders if o.delivered_at]
    if not delivered:
        raise ValueError("No delivered orders to learn from.")
    when = known_at or max(delivered) + datetime.timedelta(seconds=1)
    checkout, figures, target = fit_stage(
        orders, kind=CHECKOUT, geo=geo, known_at=when, late_target=late_target
    )
    validation = {CHECKOUT: figures}
    handover: Stage | None
    try:
        handover, figures, _ = fit_stage(
            orders, kind=HANDOVER, geo=geo, known_at=when, late_target=target
        )
        validation[HANDOVER] = figures
    except ValueError:
        handover = None
    known = [o for o in orders if o.delivered_at and o.delivered_at < when]
    return Promiser(
        checkout=checkout,
        handover=handover,
        geo=geo,
        history=History.learn(orders, when),
        trained_on=len(known),
        trained_until=max(o.purchased_at for o in known).isoformat(),
        late_target=target,
        source=source,
        validation=validation,
    )
