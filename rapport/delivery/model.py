"""A delivery-time model that promises a date customers can trust (pure numpy, no Django).

The target is the number of calendar days from purchase to delivery. The model is an empirical
quantile with shrinkage: a recency-weighted global quantile plus per-month and per-weekday
offsets, each pulled towards zero by how little data its group has (`n / (n + shrink)`). The
quantile is chosen on a validation slice as the lowest one whose late share stays within a
target, so the promise is as tight as lateness allows.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

QUANTILES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99)


@dataclass(frozen=True)
class Sample:
    purchased_at: datetime.datetime
    delivered_at: datetime.datetime | None = None
    promised_on: datetime.date | None = None  # the marketplace's own promise, for comparison

    @property
    def days(self) -> int:
        assert self.delivered_at is not None
        return (self.delivered_at.date() - self.purchased_at.date()).days


@dataclass
class Params:
    quantile: float
    base: float
    month: dict[str, float] = field(default_factory=dict)
    weekday: dict[str, float] = field(default_factory=dict)
    half_life_days: float = 14.0
    shrink: float = 50.0
    trained_on: int = 0
    trained_until: str = ""

    def days_for(self, purchased_at: datetime.datetime) -> int:
        value = (
            self.base
            + self.month.get(str(purchased_at.month), 0.0)
            + self.weekday.get(str(purchased_at.weekday()), 0.0)
        )
        # Offsets below a hundredth of a day are noise, not a reason to promise a day later.
        return max(1, math.ceil(round(value, 2)))

    def promise(self, purchased_at: datetime.datetime) -> datetime.date:
        return purchased_at.date() + datetime.timedelta(days=self.days_for(purchased_at))

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Params:
        return cls(**data)  # type: ignore[arg-type]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative weight reaches share `q` (a lower weighted quantile)."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    index = int(np.searchsorted(cum, q * cum[-1] - 1e-12))
    return float(values[order][min(index, len(values) - 1)])


def fit(
    samples: Sequence[Sample],
    *,
    quantile: float,
    half_life_days: float = 14.0,
    shrink: float = 50.0,
) -> Params:
    """Fit the model on delivered samples (raises ValueError when there are none)."""
    done = [s for s in samples if s.delivered_at is not None]
    if not done:
        raise ValueError("No delivered orders to learn from.")
    y = np.array([s.days for s in done], dtype=float)
    latest = max(s.purchased_at for s in done)
    age = np.array([(latest - s.purchased_at).total_seconds() / 86400 for s in done])
    w = 0.5 ** (age / half_life_days)
    base = weighted_quantile(y, w, quantile)

    def offsets(keys: np.ndarray) -> dict[str, float]:
        result = {}
        for key in np.unique(keys):
            mask = keys == key
            n_eff = float(w[mask].sum())
            group = weighted_quantile(y[mask], w[mask], quantile)
            result[str(int(key))] = n_eff / (n_eff + shrink) * (group - base)
        return result

    return Params(
        quantile=quantile,
        base=base,
        month=offsets(np.array([s.purchased_at.month for s in done])),
        weekday=offsets(np.array([s.purchased_at.weekday() for s in done])),
        half_life_days=half_life_days,
        shrink=shrink,
        trained_on=len(done),
        trained_until=latest.isoformat(),
    )


@dataclass(frozen=True)
class Metrics:
    orders: int
    mae_days: float
    late_share: float


def score(promised: Sequence[datetime.date], samples: Sequence[Sample]) -> Metrics:
    """Mean absolute error (days) between promise and delivery, and the share delivered late."""
    actual = np.array([s.delivered_at.date().toordinal() for s in samples if s.delivered_at])
    promise = np.array([p.toordinal() for p in promised])
    diff = actual - promise
    return Metrics(len(diff), float(np.abs(diff).mean()), float((diff > 0).mean()))


def choose_and_fit(
    samples: Sequence[Sample],
    *,
    target_late_share: float | None = None,
    half_life_days: float = 14.0,
    shrink: float = 50.0,
) -> Params:
    """Pick the quantile on a time-based validation slice (last 20% by purchase), then refit on
    everything. The target late share defaults to the marketplace's own on that slice."""
    done = sorted((s for s in samples if s.delivered_at), key=lambda s: s.purchased_at)
    cut = done[int(len(done) * 0.8)].purchased_at
    train = [s for s in done if s.purchased_at < cut and s.delivered_at and s.delivered_at < cut]
    valid = [s for s in done if s.purchased_at >= cut]
    if target_late_share is None:
        theirs = [s for s in valid if s.promised_on]
        target_late_share = score(
            [s.promised_on for s in theirs if s.promised_on], theirs
        ).late_share
    chosen = QUANTILES[-1]
    for q in QUANTILES:
        params = fit(train, quantile=q, half_life_days=half_life_days, shrink=shrink)
        if (
            score([params.promise(s.purchased_at) for s in valid], valid).late_share
            <= target_late_share
        ):
            chosen = q
            break
    return fit(done, quantile=chosen, half_life_days=half_life_days, shrink=shrink)


def time_split(samples: Sequence[Sample], share: float = 0.8) -> tuple[list[Sample], list[Sample]]:
    """Train on what was known at the cut (bought AND delivered before it); test on later buys."""
    done = sorted((s for s in samples if s.delivered_at), key=lambda s: s.purchased_at)
    cut = done[int(len(done) * share)].purchased_at
    train = [s for s in done if s.delivered_at and s.delivered_at < cut]
    test = [s for s in done if s.purchased_at >= cut]
    return train, test
