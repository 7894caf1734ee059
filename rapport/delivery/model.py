"""A delivery-time model that promises a date customers can trust (numpy + scipy, no Django).

Two promises, each "anchor date + k days":

- **checkout** (anchor: the purchase): shown at checkout and kept as the order's promise;
- **hand-over** (anchor: the parcel handed to the carrier): a firmer re-estimate shown on the
  tracking page once the order has shipped.

Each is a weighted linear quantile regression of log(1 + days after the anchor) on features known
at the anchor (purchase weekday, evening, season; for the hand-over also how long the order took
to leave), with recency weights, plus one split-conformal offset chosen on a validation slice (the
last 20 % of purchases before the training time) so that the validation late share stays within a
target - by default the marketplace's own late share on the same slice. Feature set, quantile and
half-life are chosen on that slice too. Validation orders still in transit at the training time
count as late when their promise has already passed and are left out otherwise, so nothing from
after the training time is used.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

CHECKOUT, HANDOVER = "checkout", "handover"

# Candidate feature sets per promise time (names of `_feature_values` groups).
FEATURE_SETS: dict[str, tuple[tuple[str, ...], ...]] = {
    CHECKOUT: ((), ("weekday_hour",), ("weekday_hour", "season")),
    HANDOVER: ((), ("handling",), ("handling", "season")),
}
TAUS = (0.5, 0.8, 0.9)
HALF_LIVES = (14.0, 30.0, 90.0, 0.0)  # days; 0 = every order weighs the same
OFFSETS = np.round(np.arange(-1.5, 2.5, 0.01), 2)
VALIDATION_SHARE = 0.2


@dataclass(frozen=True)
class Sample:
    purchased_at: datetime.datetime
    delivered_at: datetime.datetime | None = None
    promised_on: datetime.date | None = None  # the marketplace's own promise, for comparison
    approved_at: datetime.datetime | None = None
    handed_over_at: datetime.datetime | None = None

    @property
    def days(self) -> int:
        assert self.delivered_at is not None
        return (self.delivered_at.date() - self.purchased_at.date()).days


def anchor_of(sample: Sample, kind: str) -> datetime.datetime | None:
    return sample.purchased_at if kind == CHECKOUT else sample.handed_over_at


def _feature_values(
    name: str, purchased_at: datetime.datetime, handling_days: float | None
) -> list[float]:
    if name == "weekday_hour":
        # Weekend purchases wait for Monday; evening purchases for the next morning.
        weekday = purchased_at.weekday()
        return [float(weekday == 5), float(weekday == 6), float(purchased_at.hour >= 17)]
    if name == "season":
        angle = 2 * math.pi * purchased_at.timetuple().tm_yday / 365.25
        return [math.sin(angle), math.cos(angle)]
    if name == "handling":
        return [math.log1p(max(0.0, handling_days or 0.0))]
    raise ValueError(f"Unknown delivery feature {name!r}.")


def feature_row(
    names: Sequence[str],
    purchased_at: datetime.datetime,
    handling_days: float | None = None,
) -> list[float]:
    row = [1.0]
    for name in names:
        row += _feature_values(name, purchased_at, handling_days)
    return row


def handling_days(sample: Sample) -> float | None:
    """Days from payment approval (or purchase) to the hand-over, known at the hand-over."""
    if sample.handed_over_at is None:
        return None
    start = sample.approved_at or sample.purchased_at
    return (sample.handed_over_at - start).total_seconds() / 86400


def quantile_regression(x: np.ndarray, y: np.ndarray, w: np.ndarray, tau: float) -> np.ndarray:
    """Weighted linear quantile regression as a linear programme (HiGHS):
    minimise sum w * (tau * over + (1 - tau) * under) with x @ beta + over - under = y."""
    n, k = x.shape
    eye = sparse.identity(n, format="csr")
    result = linprog(
        np.concatenate([np.zeros(k), tau * w, (1 - tau) * w]),
        A_eq=sparse.hstack([sparse.csr_matrix(x), eye, -eye], format="csr"),
        b_eq=y,
        bounds=[(None, None)] * k + [(0, None)] * (2 * n),
        method="highs",
    )
    if not result.success:
        raise ValueError(f"Quantile regression failed: {result.message}")
    return np.asarray(result.x[:k])


@dataclass
class Stage:
    """One promise: anchor date + ceil(expm1(features @ beta + offset)) days."""

    kind: str
    features: list[str]
    beta: list[float]
    offset: float
    tau: float
    half_life_days: float

    def days(self, purchased_at: datetime.datetime, handling: float | None = None) -> int:
        value = float(np.dot(feature_row(self.features, purchased_at, handling), self.beta))
        # Below a hundredth of a day is noise, not a reason to promise a day later.
        days = math.ceil(round(math.expm1(value + self.offset), 2))
        return max(1 if self.kind == CHECKOUT else 0, days)


@dataclass
class Params:
    checkout: Stage
    handover: Stage | None = None
    trained_on: int = 0
    trained_until: str = ""
    validation_late_target: float = 0.0

    def days_for(self, purchased_at: datetime.datetime) -> int:
        return self.checkout.days(purchased_at)

    def promise(self, purchased_at: datetime.datetime) -> datetime.date:
        return purchased_at.date() + datetime.timedelta(days=self.days_for(purchased_at))

    def promise_after_handover(
        self,
        *,
        purchased_at: datetime.datetime,
        handed_over_at: datetime.datetime,
        approved_at: datetime.datetime | None = None,
    ) -> datetime.date | None:
        """The re-estimate once the carrier has the parcel (None without a hand-over model)."""
        if self.handover is None:
            return None
        handling = (handed_over_at - (approved_at or purchased_at)).total_seconds() / 86400
        days = self.handover.days(purchased_at, handling)
        return handed_over_at.date() + datetime.timedelta(days=days)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Params:
        values = dict(data)
        values["checkout"] = Stage(**values["checkout"])  # type: ignore[arg-type]
        if values.get("handover"):
            values["handover"] = Stage(**values["handover"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


# --- fitting -----------------------------------------------------------------------------------
def _usable(samples: Sequence[Sample], kind: str) -> list[Sample]:
    return [s for s in samples if anchor_of(s, kind) is not None]


def _design(samples: Sequence[Sample], kind: str, names: Sequence[str]) -> np.ndarray:
    return np.array([feature_row(names, s.purchased_at, handling_days(s)) for s in samples])


def fit_stage(
    samples: Sequence[Sample],
    *,
    kind: str,
    features: Sequence[str],
    tau: float,
    half_life_days: float,
    offset: float = 0.0,
) -> Stage:
    """Fit one promise on delivered samples (ValueError when there are none)."""
    done = [s for s in _usable(samples, kind) if s.delivered_at is not None]
    if not done:
        raise ValueError("No delivered orders to learn from.")
    latest = max(s.purchased_at for s in done)
    age = np.array([(latest - s.purchased_at).total_seconds() / 86400 for s in done], dtype=float)
    w = 0.5 ** (age / half_life_days) if half_life_days else np.ones(len(done))
    # Orders weighing under 1e-4 of the newest change nothing but upset the solver.
    keep_rows = w >= 1e-4
    done = [s for s, k in zip(done, keep_rows, strict=True) if k]
    w = w[keep_rows]
    days = [
        max(0, (s.delivered_at.date() - a.date()).days)  # type: ignore[union-attr]
        for s, a in zip(done, (anchor_of(s, kind) for s in done), strict=True)
    ]
    y = np.log1p(np.asarray(days, dtype=float))
    x = _design(done, kind, features)
    # A feature that never varies (say, no weekend orders in a tiny sample) is left at zero.
    varies = np.r_[True, x[:, 1:].std(axis=0) > 0]
    beta = np.zeros(x.shape[1])
    beta[varies] = quantile_regression(x[:, varies], y, w / w.mean(), tau)
    return Stage(kind, list(features), beta.tolist(), offset, tau, half_life_days)


@dataclass(frozen=True)
class Metrics:
    orders: int
    mae_days: float
    late_share: float


def score(
    promised: Sequence[datetime.date],
    samples: Sequence[Sample],
    known_at: datetime.datetime | None = None,
) -> Metrics:
    """Mean absolute error (days) between promise and delivery, and the share delivered late.
    With `known_at`, only what was known then: an order still in transit is late if its promise
    has passed (its error counted up to that day) and left out otherwise."""
    errors, late = [], []
    for sample, promise in zip(samples, promised, strict=True):
        pending = sample.delivered_at is None or (
            known_at is not None and sample.delivered_at >= known_at
        )
        if pending:
            if known_at is not None and promise < known_at.date():
                late.append(True)
                errors.append((known_at.date() - promise).days)
            continue
        diff = (sample.delivered_at.date() - promise).days  # type: ignore[union-attr]
        errors.append(abs(diff))
        late.append(diff > 0)
    if not late:
        return Metrics(0, 0.0, 0.0)
    return Metrics(len(late), float(np.mean(errors)), float(np.mean(late)))


def _calibrate(
    stage: Stage, valid: Sequence[Sample], target: float, known_at: datetime.datetime
) -> tuple[float, Metrics]:
    """The smallest offset whose validation late share is within `target`, and its metrics."""
    kind = stage.kind
    base = np.array(
        [
            float(np.dot(feature_row(stage.features, s.purchased_at, handling_days(s)), stage.beta))
            for s in valid
        ]
    )
    anchors = np.array([anchor_of(s, kind).date().toordinal() for s in valid])  # type: ignore[union-attr]
    cut = known_at.date().toordinal()
    delivered = np.array(
        [
            s.delivered_at.date().toordinal()
            if s.delivered_at and s.delivered_at < known_at
            else -1
            for s in valid
        ]
    )
    floor = 1 if kind == CHECKOUT else 0
    # rows: offsets, columns: orders
    days = np.ceil(np.round(np.expm1(base[None, :] + OFFSETS[:, None]), 2))
    promise = anchors[None, :] + np.maximum(floor, days)
    pending = delivered < 0
    scored = ~pending[None, :] | (promise < cut)
    late = np.where(pending[None, :], promise < cut, delivered[None, :] > promise)
    error = np.where(pending[None, :], cut - promise, np.abs(delivered[None, :] - promise))
    n = scored.sum(axis=1)
    late_share = (late & scored).sum(axis=1) / np.maximum(n, 1)
    mae = (error * scored).sum(axis=1) / np.maximum(n, 1)
    ok = np.flatnonzero(late_share <= target + 1e-12)
    i = int(ok[0]) if len(ok) else len(OFFSETS) - 1
    return float(OFFSETS[i]), Metrics(int(n[i]), float(mae[i]), float(late_share[i]))


def choose_stage(
    samples: Sequence[Sample],
    *,
    kind: str,
    known_at: datetime.datetime,
    target_late_share: float | None = None,
    feature_sets: Sequence[Sequence[str]] | None = None,
    taus: Sequence[float] = TAUS,
    half_lives: Sequence[float] = HALF_LIVES,
) -> tuple[Stage, Metrics, float]:
    """Choose features, quantile and half-life on the validation slice (lowest validation MAE
    with its late share within the target), calibrate the offset there, then refit on all that
    was known at `known_at`. Returns the stage, its validation metrics and the target used."""
    history = sorted(
        (s for s in _usable(samples, kind) if s.purchased_at < known_at),
        key=lambda s: s.purchased_at,
    )
    if len(history) < 10:
        raise ValueError("Too few orders to learn delivery times from.")
    v_start = history[int(len(history) * (1 - VALIDATION_SHARE))].purchased_at
    inner = [s for s in history if s.delivered_at and s.delivered_at < v_start]
    valid = [
        s
        for s in history
        if s.purchased_at >= v_start and anchor_of(s, kind) < known_at  # type: ignore[operator]
    ]
    if target_late_share is None:
        theirs = [s for s in valid if s.promised_on]
        target_late_share = score([s.promised_on for s in theirs], theirs, known_at).late_share  # type: ignore[misc]
    best: tuple[float, Stage, Metrics] | None = None
    for features in feature_sets if feature_sets is not None else FEATURE_SETS[kind]:
        for tau in taus:
            for half_life in half_lives:
                stage = fit_stage(
                    inner, kind=kind, features=features, tau=tau, half_life_days=half_life
                )
                stage.offset, metrics = _calibrate(stage, valid, target_late_share, known_at)
                if metrics.late_share > target_late_share + 1e-12:
                    continue
                if best is None or metrics.mae_days < best[0] - 1e-9:
                    best = (metrics.mae_days, stage, metrics)
    if best is None:
        raise ValueError("No candidate keeps lateness within the target on validation.")
    chosen = best[1]
    known = [s for s in history if s.delivered_at and s.delivered_at < known_at]
    final = fit_stage(
        known,
        kind=kind,
        features=chosen.features,
        tau=chosen.tau,
        half_life_days=chosen.half_life_days,
        offset=chosen.offset,
    )
    return final, best[2], target_late_share


def choose_and_fit(
    samples: Sequence[Sample],
    *,
    known_at: datetime.datetime | None = None,
    target_late_share: float | None = None,
    **grid: object,
) -> Params:
    """Both promises, from what was known at `known_at` (default: after the last delivery)."""
    delivered = [s.delivered_at for s in samples if s.delivered_at]
    if not delivered:
        raise ValueError("No delivered orders to learn from.")
    when = known_at or max(delivered) + datetime.timedelta(seconds=1)
    checkout, _, target = choose_stage(
        samples,
        kind=CHECKOUT,
        known_at=when,
        target_late_share=target_late_share,
        **grid,  # type: ignore[arg-type]
    )
    try:
        handover: Stage | None = choose_stage(
            samples,
            kind=HANDOVER,
            known_at=when,
            target_late_share=target_late_share,
            **{k: v for k, v in grid.items() if k != "feature_sets"},  # type: ignore[arg-type]
        )[0]
    except ValueError:
        handover = None  # no hand-over dates in the history: checkout promise only
    known = [s for s in samples if s.delivered_at and s.delivered_at < when]
    return Params(
        checkout=checkout,
        handover=handover,
        trained_on=len(known),
        trained_until=max(s.purchased_at for s in known).isoformat(),
        validation_late_target=target,
    )


def time_split(
    samples: Sequence[Sample], share: float = 0.8
) -> tuple[datetime.datetime, list[Sample]]:
    """The cut (purchase time at the `share` point of delivered orders) and the test orders:
    delivered orders bought at or after it. Train with `known_at=cut`."""
    done = sorted((s for s in samples if s.delivered_at), key=lambda s: s.purchased_at)
    cut = done[int(len(done) * share)].purchased_at
    return cut, [s for s in done if s.purchased_at >= cut]
