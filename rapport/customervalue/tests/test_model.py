"""Ours (all-history spend rate + BG/NBD-Gamma-Gamma) on a small synthetic history: where it and
last-period spend disagree, by construction."""

from __future__ import annotations

import numpy as np

from rapport.customervalue import model
from rapport.customervalue.history import History

START = 15_000  # day number of the history's first day
STEADY, ONE_OFF, EARLY, LATE = 80, 81, 82, 83


def _history() -> History:
    rng = np.random.default_rng(0)
    rows = [(0, 0, 50.0)]  # (customer, day, amount); the history starts on day 0
    for customer in range(80):  # background: one to seven purchase days of 20-200 in the year
        for day in rng.choice(365, size=rng.integers(1, 8), replace=False):
            rows.append((customer, int(day), float(rng.uniform(20, 200))))
    rows += [(STEADY, day, 100.0) for day in range(20, 365, 35)]  # ten purchase days: 1,000
    rows += [(ONE_OFF, 200, 1000.0)]  # the same 1,000 on one day
    rows += [(EARLY, day, 600.0) for day in (30, 60, 90, 120)]  # 2,400, none in the last 90 days
    rows += [(LATE, day, 300.0) for day in (290, 320)]  # 600, all in the last 90 days
    customer, day, amount = (np.array(column) for column in zip(*rows, strict=True))
    n = 84
    return History(
        customer_ids=[str(i) for i in range(n)],
        customer=customer.astype(np.int64),
        day=day.astype(np.int64) + START,
        amount=amount.astype(float),
        lines=np.ones(len(amount)),
        credit=np.zeros(len(amount)),
        uk=np.ones(n),
    )


def _predict() -> tuple[model.Prediction, dict[int, int]]:
    prediction = model.predict(_history(), START + 365, 90)
    return prediction, {int(c): i for i, c in enumerate(prediction.customers)}


def test_spend_before_the_last_period_still_counts():
    prediction, at = _predict()

    # Last-period spend (the last 90 days) puts the late customer first and the early one at 0 ...
    assert prediction.last_period[at[LATE]] > prediction.last_period[at[EARLY]] == 0
    # ... ours weighs the whole year: 2,400 then against 600 now.
    assert prediction.ours[at[EARLY]] > prediction.ours[at[LATE]]


def test_a_frequent_buyer_ranks_above_a_one_off_order_of_the_same_size():
    prediction, at = _predict()

    rate = model.history_spend(_history(), START + 365, 90, prediction.customers)
    np.testing.assert_allclose(rate[[at[STEADY], at[ONE_OFF]]], 1000 * 90 / 365)  # same spend
    assert prediction.ours[at[STEADY]] > prediction.ours[at[ONE_OFF]]


def test_ours_is_the_fixed_blend_and_says_so():
    prediction, _ = _predict()
    rate = model.history_spend(_history(), START + 365, 90, prediction.customers)

    np.testing.assert_allclose(prediction.ours, 0.8 * rate + 0.2 * prediction.bgnbd_gg)
    assert prediction.info["blend"]["weights"] == [0.8, 0.2]
    assert prediction.info["window_days"] == 365
