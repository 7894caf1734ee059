"""The predictor shipped before issue 17's ninth-to-eleventh sessions, kept for the development
protocol's comparison (`dev_protocol.py`): a gradient-boosting regressor trained on weekly
snapshots before the cutoff, blended with last-period spend and BG/NBD + Gamma-Gamma with weights
chosen on a validation split before the cutoff. Moved here from `rapport/customervalue/model.py`
when the all-history spend blend replaced it (docs/customer-value.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rapport.customervalue.history import History
from rapport.customervalue.model import _last_period, scores, snapshot, spend_between

MIN_WINDOW = 14
MIN_HISTORY = 30
SNAPSHOTS = 9
SNAPSHOT_STEP = 7


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


BLENDS = tuple((a / 10, b / 10, (10 - a - b) / 10) for a in range(11) for b in range(11 - a))
EQUAL_THIRDS = (1 / 3, 1 / 3, 1 / 3)


def _blend(weights: tuple[float, float, float], *parts: np.ndarray) -> np.ndarray:
    return sum((w * p for w, p in zip(weights, parts, strict=True)), np.zeros(len(parts[0])))


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
