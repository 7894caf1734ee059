"""Predict each customer's spend over a horizon from their purchase history (no Django here).

Three predictors, all fed the same history (lines before the cutoff):

- **last-period spend**: what the customer spent in the last period of the horizon's length
  before the cutoff (scaled when the history is shorter);
- **BG/NBD + Gamma-Gamma** (`lifetimes`): expected purchase days in the horizon times the expected
  spend per purchase day;
- **ours**: gradient boosting (Poisson loss) on RFM, tenure, recent-window, return-share and
  seasonality features plus the BG/NBD + Gamma-Gamma figures themselves (a blend), trained on
  earlier snapshots of the same history: features before `t`, target = spend in `[t, t + L)`,
  for several `t` before the cutoff, then applied at the cutoff.

When the data after the cutoff is shorter than the horizon (the shared file ends in December
2011), every predictor predicts, and is scored on, the part of the horizon the data covers
(`horizon_days_observed`). When the history is too short for a training window of 14 days,
ours falls back to BG/NBD + Gamma-Gamma and says so.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from rapport.customervalue.history import History

MIN_WINDOW = 14
MIN_HISTORY = 30
SNAPSHOTS = 9
SNAPSHOT_STEP = 7
TOP_SHARE = 0.10
# Windows are fractions of the target window L, and totals are rates per day, so a feature means
# the same at a training snapshot (short history) and at the cutoff (longer history).
FEATURE_NAMES = (
    "recency_over_window",
    "tenure_capped",
    "purchase_days_per_day",
    "spend_per_day_of_tenure",
    "spend_per_purchase_day",
    "spend_last_window",
    "spend_last_half_window",
    "spend_last_quarter_window",
    "purchase_days_last_window",
    "purchase_days_last_half_window",
    "mean_gap",
    "credit_share",
    "lines_per_day",
    "uk",
    "q4_share",
    "same_window_last_year",
    "bgnbd_purchases",
    "gg_value",
    "bgnbd_gg",
)


@dataclass
class Snapshot:
    """Customers with a purchase before day `t`, their features and (when known) target."""

    customers: np.ndarray
    x: np.ndarray
    bgnbd_gg: np.ndarray
    bgnbd_converged: bool


def _sum_by(customer: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(customer, weights=values, minlength=n)


def spend_between(history: History, start: int, end: int) -> np.ndarray:
    """Net spend per customer in days [start, end)."""
    mask = (history.day >= start) & (history.day < end)
    return _sum_by(history.customer[mask], history.amount[mask], len(history.customer_ids))


def bgnbd_gamma_gamma(
    frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, monetary: np.ndarray, days: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Expected purchase days in the next `days` (BG/NBD) and expected spend per purchase day
    (Gamma-Gamma, fitted on repeat buyers; others get its population mean), and whether BG/NBD
    converged. When it does not (few customers), each customer's own purchase rate so far
    stands in for it."""
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    # Weeks, not days: lifetimes' optimiser is well-conditioned at that scale.
    recency, age, weeks = recency / 7, age / 7, days / 7
    purchases = (frequency + 1) / np.maximum(age, 1) * weeks
    converged = False
    value = np.zeros(len(frequency))
    # lifetimes prints its convergence reports; stdout belongs to the command's JSON.
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        for penalizer in (0.001, 0.01, 0.1):
            try:
                bg = BetaGeoFitter(penalizer_coef=penalizer)
                bg.fit(pd.Series(frequency), pd.Series(recency), pd.Series(age))
                purchases = np.asarray(
                    bg.conditional_expected_number_of_purchases_up_to_time(
                        weeks, pd.Series(frequency), pd.Series(recency), pd.Series(age)
                    ),
                    dtype=float,
                )
                converged = True
                break
            except Exception:  # noqa: S112 - lifetimes raises bare convergence errors; try a stronger penalty
                continue
        repeat = (frequency > 0) & (monetary > 0)
        if repeat.sum() >= 10:
            for penalizer in (0.001, 0.01, 0.1):
                try:
                    gg = GammaGammaFitter(penalizer_coef=penalizer)
                    gg.fit(pd.Series(frequency[repeat]), pd.Series(monetary[repeat]))
                    value = np.asarray(
                        gg.conditional_expected_average_profit(
                            pd.Series(np.where(repeat, frequency, 0)),
                            pd.Series(np.where(repeat, monetary, 0.0)),
                        ),
                        dtype=float,
                    )
                    break
                except Exception:  # noqa: S112 - as above
                    continue
    # A degenerate fit on few customers can give absurd values: use the repeat buyers' mean then.
    mean = float(monetary[repeat].mean()) if repeat.any() else 0.0
    ceiling = 10 * float(monetary.max()) if len(monetary) else 0.0
    sane = np.isfinite(value) & (value > 0) & (value <= ceiling)
    value = np.where(sane, value, mean)
    purchases = np.where(np.isfinite(purchases) & (purchases >= 0), purchases, 0.0)
    return purchases, value, converged


def snapshot(history: History, t: int, horizon: int) -> Snapshot:
    """Features of every customer with a purchase day before day `t`."""
    n = len(history.customer_ids)
    before = history.day < t
    cust, day, amount = history.customer[before], history.day[before], history.amount[before]
    bought = amount > 0
    purchase_days = np.bincount(cust[bought], minlength=n).astype(float)
    present = np.flatnonzero(purchase_days > 0)
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, cust[bought], day[bought])
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, cust[bought], day[bought])
    net = _sum_by(cust, amount, n)
    lines = _sum_by(cust, history.lines[before], n)
    credit = _sum_by(cust, history.credit[before], n)

    def window(days: int) -> np.ndarray:
        return spend_between(history, t - days, t)

    def days_in(days: int) -> np.ndarray:
        mask = bought & (day >= t - days)
        return np.bincount(cust[mask], minlength=n).astype(float)

    months = (np.datetime64("1970-01-01") + day.astype("timedelta64[D]")).astype(
        "datetime64[M]"
    ).astype(int) % 12 + 1
    q4 = _sum_by(cust, np.where(months >= 10, np.maximum(amount, 0), 0.0), n)
    gross = _sum_by(cust, np.maximum(amount, 0), n)
    last_year = spend_between(history, t - 365, t - 365 + horizon)

    p = present
    recency = (t - last[p]).astype(float)
    tenure = (t - first[p]).astype(float)
    freq = purchase_days[p] - 1
    repeat_spend = np.maximum(net[p] - _first_day_spend(history, t, first)[p], 0)
    monetary = np.where(freq > 0, repeat_spend / np.maximum(freq, 1), 0.0)
    purchases, value, converged = bgnbd_gamma_gamma(
        freq, tenure - recency, tenure, monetary, horizon
    )
    combined = purchases * value
    x = np.column_stack(
        [
            recency / horizon,
            np.minimum(tenure, horizon),
            purchase_days[p] / np.maximum(tenure, 1),
            net[p] / np.maximum(tenure, 1),
            net[p] / purchase_days[p],
            window(horizon)[p],
            window(max(horizon // 2, 1))[p],
            window(max(horizon // 4, 1))[p],
            days_in(horizon)[p],
            days_in(max(horizon // 2, 1))[p],
            tenure / np.maximum(freq, 1),
            credit[p] / np.maximum(lines[p], 1),
            lines[p] / purchase_days[p],
            history.uk[p],
            q4[p] / np.maximum(gross[p], 1e-9),
            last_year[p],
            purchases,
            value,
            combined,
        ]
    )
    return Snapshot(customers=p, x=x, bgnbd_gg=combined, bgnbd_converged=converged)


def _first_day_spend(history: History, t: int, first: np.ndarray) -> np.ndarray:
    n = len(history.customer_ids)
    mask = (history.day < t) & (history.day == first[history.customer])
    return _sum_by(history.customer[mask], history.amount[mask], n)


def fit_ours(history: History, cutoff: int, horizon: int) -> tuple[Any, int, int]:
    """Train the booster on snapshots before the cutoff. Returns (model or None, window L,
    number of snapshots)."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    span = cutoff - history.first_day
    length = min(horizon, span // 2)
    if length < MIN_WINDOW:
        return None, length, 0
    xs, ys = [], []
    for k in range(SNAPSHOTS):
        t = cutoff - length - k * SNAPSHOT_STEP
        if t - history.first_day < min(MIN_HISTORY, span // 2):
            break
        snap = snapshot(history, t, length)
        target = np.maximum(spend_between(history, t, t + length), 0)[snap.customers]
        xs.append(snap.x)
        ys.append(target * horizon / length)
    if not xs:
        return None, length, 0
    model = HistGradientBoostingRegressor(
        loss="poisson",
        learning_rate=0.05,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        random_state=0,
    )
    with threadpool_limits(limits=1):
        model.fit(np.vstack(xs), np.concatenate(ys))
    return model, length, len(xs)


def scores(predicted: np.ndarray, actual: np.ndarray) -> dict[str, Any]:
    """Top-decile capture, Spearman rank correlation, mean absolute error, customers."""
    from scipy.stats import spearmanr

    n = len(actual)
    top = max(1, int(np.ceil(n * TOP_SHARE)))
    # Stable ordering: ties broken by position, so the figure does not depend on sort luck.
    order = np.lexsort((np.arange(n), -predicted))[:top]
    total = float(actual.sum())
    rho = spearmanr(predicted, actual).statistic if n > 2 else float("nan")
    return {
        "top_decile_capture": round(float(actual[order].sum()) / total, 4) if total else None,
        "spearman": None if np.isnan(rho) else round(float(rho), 4),
        "mae": round(float(np.abs(predicted - actual).mean()), 2),
        "customers": n,
    }


@dataclass
class Prediction:
    """Per customer present before the cutoff (indexes into `History.customer_ids`)."""

    customers: np.ndarray
    ours: np.ndarray
    last_period: np.ndarray
    bgnbd_gg: np.ndarray
    observed: int
    info: dict[str, Any]


# Blend weights tried for (booster, last-period spend, BG/NBD + Gamma-Gamma), in tenths.
BLENDS = tuple((a / 10, b / 10, (10 - a - b) / 10) for a in range(11) for b in range(11 - a))
EQUAL_THIRDS = (1 / 3, 1 / 3, 1 / 3)


def _blend(weights: tuple[float, float, float], *parts: np.ndarray) -> np.ndarray:
    return sum((w * p for w, p in zip(weights, parts, strict=True)), np.zeros(len(parts[0])))


def _last_period(history: History, t: int, horizon: int, customers: np.ndarray) -> np.ndarray:
    period = min(horizon, t - history.first_day)
    spend = np.maximum(spend_between(history, t - period, t), 0)[customers]
    return spend * horizon / max(period, 1)


def choose_blend(history: History, cutoff: int, horizon: int) -> dict[str, Any]:
    """Pick the blend weights on a validation split made *before* the cutoff: everything is
    learned from the days before `v = cutoff - L` (L = half the history at most) and scored on
    the spend in `[v, cutoff)`; the weights with the best top-decile capture + Spearman there
    are the ones used at the cutoff. The horizon after the cutoff is never looked at. Falls back
    to equal thirds when the history is too short for a validation window."""
    span = cutoff - history.first_day
    length = min(horizon, span // 2)
    chosen: dict[str, Any] = {"weights": EQUAL_THIRDS, "validation_from_day": None}
    if length < MIN_WINDOW:
        return chosen
    v = cutoff - length
    snap = snapshot(history, v, length)
    booster, _window, snapshots = fit_ours(history, v, length)
    if booster is None or len(snap.customers) < 20:
        return chosen
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        boosted = np.maximum(booster.predict(snap.x), 0)
    last = _last_period(history, v, length, snap.customers)
    actual = np.maximum(spend_between(history, v, cutoff), 0)[snap.customers]
    best, best_score = EQUAL_THIRDS, -np.inf
    for weights in BLENDS:
        figures = scores(_blend(weights, boosted, last, snap.bgnbd_gg), actual)
        score = (figures["top_decile_capture"] or 0) + (figures["spearman"] or 0)
        if score > best_score + 1e-9:
            best, best_score = weights, score
    return {
        "weights": best,
        "validation_from_day": int(v),
        "validation_days": int(length),
        "validation_snapshots": snapshots,
        "validation_score": round(float(best_score), 4),
    }


def predict(history: History, cutoff: int, horizon: int) -> Prediction:
    """Predict spend in [cutoff, cutoff + horizon) for every customer who bought before.

    Ours blends the booster's prediction, last-period spend and BG/NBD + Gamma-Gamma with
    weights chosen on a validation split before the cutoff (`choose_blend`): the booster alone,
    trained on windows half as long as the history, ranks worse than last-period spend on the
    shared data (docs/customer-value.md).
    """
    snap = snapshot(history, cutoff, horizon)
    last_period = _last_period(history, cutoff, horizon, snap.customers)
    booster, window, snapshots = fit_ours(history, cutoff, horizon)
    blend: dict[str, Any] = {"weights": EQUAL_THIRDS, "validation_from_day": None}
    if booster is None:
        ours = snap.bgnbd_gg.copy()
    else:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            boosted = np.maximum(booster.predict(snap.x), 0)
        blend = choose_blend(history, cutoff, horizon)
        ours = _blend(blend["weights"], boosted, last_period, snap.bgnbd_gg)
    return Prediction(
        customers=snap.customers,
        ours=ours,
        last_period=last_period,
        bgnbd_gg=snap.bgnbd_gg,
        observed=horizon,
        info={
            "window_days": int(window),
            "snapshots": snapshots,
            "fallback_to_bg_nbd": booster is None,
            "bg_nbd_converged": snap.bgnbd_converged,
            "features": list(FEATURE_NAMES),
            "blend": {**blend, "weights": [round(w, 4) for w in blend["weights"]]},
        },
    )


def evaluate(history: History, cutoff: int, horizon: int) -> dict[str, Any]:
    """Fit at the cutoff, predict the (observed part of the) horizon, score three predictors."""
    observed = min(horizon, history.last_day + 1 - cutoff)
    if cutoff <= history.first_day or observed <= 0:
        raise ValueError("the cutoff must fall inside the files' dates, with data after it")
    result = predict(history, cutoff, observed)
    actual = np.maximum(spend_between(history, cutoff, cutoff + observed), 0)[result.customers]
    return {
        "horizon_days": horizon,
        "horizon_days_observed": int(observed),
        "customers": len(result.customers),
        "ours": scores(result.ours, actual),
        "last_period_spend": scores(result.last_period, actual),
        "bg_nbd_gamma_gamma": scores(result.bgnbd_gg, actual),
        "training": result.info,
    }
