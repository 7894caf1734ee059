"""Predict each customer's spend over a horizon from their purchase history (no Django here).

Three predictors, all fed the same history (lines before the cutoff):

- **last-period spend**: what the customer spent in the last period of the horizon's length
  before the cutoff (scaled when the history is shorter);
- **BG/NBD + Gamma-Gamma** (`lifetimes`): expected purchase days in the horizon times the expected
  spend per purchase day;
- **ours**: 0.8 x the customer's spend over the *whole* history (net, floored at 0) per day of
  history, times the horizon, + 0.2 x BG/NBD + Gamma-Gamma. Chosen on a development protocol of
  26 cutoff/horizon cases of the shared file (not the official split): see
  docs/customer-value.md and bench/customervalue/dev_protocol.py. The booster blend it replaced
  is kept for that comparison in bench/customervalue/previous_blend.py.

When the data after the cutoff is shorter than the horizon (the shared file ends in December
2011), every predictor predicts, and is scored on, the part of the horizon the data covers
(`horizon_days_observed`).
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from rapport.customervalue.history import History

TOP_SHARE = 0.10
# Ours: weights of (all-history spend rate, BG/NBD + Gamma-Gamma), fixed on the development
# protocol (docs/customer-value.md); never chosen on the evaluated split.
WEIGHTS = (0.8, 0.2)
# Features of `snapshot` (used by the booster in bench/customervalue/previous_blend.py). Windows
# are fractions of the target window L, and totals are rates per day, so a feature means the
# same at a training snapshot (short history) and at the cutoff (longer history).
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
    p_alive: np.ndarray


def _sum_by(customer: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(customer, weights=values, minlength=n)


def spend_between(history: History, start: int, end: int) -> np.ndarray:
    """Net spend per customer in days [start, end)."""
    mask = (history.day >= start) & (history.day < end)
    return _sum_by(history.customer[mask], history.amount[mask], len(history.customer_ids))


def bgnbd_gamma_gamma(
    frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, monetary: np.ndarray, days: int
) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray]:
    """Expected purchase days in the next `days` (BG/NBD) and expected spend per purchase day
    (Gamma-Gamma, fitted on repeat buyers; others get its population mean), whether BG/NBD
    converged, and BG/NBD's probability that each customer is still active. When BG/NBD does
    not converge (few customers), each customer's own purchase rate so far stands in for the
    purchases and every customer counts as active."""
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    # Weeks, not days: lifetimes' optimiser is well-conditioned at that scale.
    recency, age, weeks = recency / 7, age / 7, days / 7
    purchases = (frequency + 1) / np.maximum(age, 1) * weeks
    converged = False
    value = np.zeros(len(frequency))
    alive = np.ones(len(frequency))
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
                alive = np.asarray(
                    bg.conditional_probability_alive(
                        pd.Series(frequency), pd.Series(recency), pd.Series(age)
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
    alive = np.where(np.isfinite(alive), np.clip(alive, 0.0, 1.0), 1.0)
    return purchases, value, converged, alive


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
    purchases, value, converged, alive = bgnbd_gamma_gamma(
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
    return Snapshot(customers=p, x=x, bgnbd_gg=combined, bgnbd_converged=converged, p_alive=alive)


def _first_day_spend(history: History, t: int, first: np.ndarray) -> np.ndarray:
    n = len(history.customer_ids)
    mask = (history.day < t) & (history.day == first[history.customer])
    return _sum_by(history.customer[mask], history.amount[mask], n)


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


def _last_period(history: History, t: int, horizon: int, customers: np.ndarray) -> np.ndarray:
    period = min(horizon, t - history.first_day)
    spend = np.maximum(spend_between(history, t - period, t), 0)[customers]
    return spend * horizon / max(period, 1)


def history_spend(history: History, t: int, horizon: int, customers: np.ndarray) -> np.ndarray:
    """Net spend over the whole history before day `t` (floored at 0), per day of history,
    times the horizon."""
    days = max(t - history.first_day, 1)
    spend = np.maximum(spend_between(history, history.first_day, t), 0)[customers]
    return spend * horizon / days


def predict(history: History, cutoff: int, horizon: int) -> Prediction:
    """Predict spend in [cutoff, cutoff + horizon) for every customer who bought before.

    Ours is `WEIGHTS[0]` x the all-history spend rate + `WEIGHTS[1]` x BG/NBD + Gamma-Gamma: the
    longer window steadies the big spenders' ranking, and BG/NBD + GG moves frequent buyers up
    against one-off large orders (docs/customer-value.md).
    """
    snap = snapshot(history, cutoff, horizon)
    last_period = _last_period(history, cutoff, horizon, snap.customers)
    history_rate = history_spend(history, cutoff, horizon, snap.customers)
    ours = WEIGHTS[0] * history_rate + WEIGHTS[1] * snap.bgnbd_gg
    return Prediction(
        customers=snap.customers,
        ours=ours,
        last_period=last_period,
        bgnbd_gg=snap.bgnbd_gg,
        observed=horizon,
        info={
            "method": "all-history spend rate + BG/NBD-Gamma-Gamma",
            "window_days": int(cutoff - history.first_day),
            "snapshots": 0,
            "fallback_to_bg_nbd": False,
            "bg_nbd_converged": snap.bgnbd_converged,
            "features": ["all_history_spend_rate", "bgnbd_gg"],
            "blend": {
                "weights": list(WEIGHTS),
                "of": ["all_history_spend_rate", "bg_nbd_gamma_gamma"],
                "validation_from_day": None,
            },
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
