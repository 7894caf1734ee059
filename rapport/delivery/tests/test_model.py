"""The promise model on data where the right answer is known."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pytest

from rapport.delivery.features import CHECKOUT, Geo, Item, OrderFacts
from rapport.delivery.model import Forest, Promiser, Stage, _fit_forest, calibrate, score, train

SP, AM = "01031", "69005"  # São Paulo centre, Manaus
GEO = Geo(
    points={SP: (-23.54, -46.63), "01032": (-23.55, -46.64), AM: (-3.12, -60.02)},
    states={SP: "SP", "01032": "SP", AM: "AM"},
)


def synthetic(n: int = 600, seed: int = 3) -> list[OrderFacts]:
    """A São Paulo seller shipping every ~1.2 days, alternately within São Paulo (1 day to hand
    over + 2 in transit, 1 in 10 a day longer) and to Manaus (1 + 9, 1 in 10 two days longer)."""
    rng = np.random.default_rng(seed)
    start = datetime.datetime(2024, 1, 1, 10)
    orders = []
    for i in range(n):
        bought = start + datetime.timedelta(hours=29 * i)
        far = i % 2 == 1
        handed = bought + datetime.timedelta(days=1)
        transit = (9 if far else 2) + ((2 if far else 1) if rng.random() < 0.1 else 0)
        orders.append(
            OrderFacts(
                ref=str(i),
                status="delivered",
                purchased_at=bought,
                approved_at=bought,
                handed_over_at=handed,
                delivered_at=handed + datetime.timedelta(days=transit),
                customer_zip=AM if far else "01032",
                customer_state="AM" if far else "SP",
                items=(Item("s1", SP, "SP", 500.0, 1000.0, 20.0, 5.0),),
                their_promise=(bought + datetime.timedelta(days=25)).date(),
            )
        )
    return orders


def test_exported_trees_predict_exactly_like_scikit_learn():
    rng = np.random.default_rng(0)
    x = rng.random((800, 4))
    x[::5, 2] = np.nan  # missing values take the learnt side
    y = 3 * x[:, 0] + np.nan_to_num(x[:, 2]) + rng.normal(0, 0.1, 800)
    forest, estimator = _fit_forest(x, y, {"max_iter": 30, "random_state": 0})
    test = rng.random((50, 4))
    test[::3, 2] = np.nan
    ours = [forest.predict(row) for row in test]
    assert ours == pytest.approx(list(estimator.predict(test)), abs=1e-9)


def test_routes_get_their_own_promise_and_nothing_is_late():
    data = synthetic()
    promiser = train(data, geo=GEO, late_target=0.0)
    near = data[-2]  # São Paulo → São Paulo: 3 days, 4 at worst
    far = data[-1]  # São Paulo → Manaus: 10 days, 12 at worst
    near_days = (promiser.checkout_range(near)[1] - near.purchased_at.date()).days
    far_days = (promiser.checkout_range(far)[1] - far.purchased_at.date()).days
    assert 4 <= near_days <= 5
    assert 12 <= far_days <= 13
    recent = data[-100:]
    ours = score([promiser.checkout_range(o)[1] for o in recent], recent)
    assert ours.late_share == 0.0
    assert ours.mae_days < score([o.their_promise for o in recent], recent).mae_days  # type: ignore[misc]


def test_training_ignores_what_happened_after_the_cut():
    data = synthetic()
    cut = data[400].purchased_at
    slower_future = (
        data[:400]
        + [
            OrderFacts(
                **{
                    **{f: getattr(o, f) for f in o.__dataclass_fields__},
                    "delivered_at": o.delivered_at + datetime.timedelta(days=30),  # type: ignore[operator]
                }
            )
            for o in data[400:]
        ]
    )
    a = train(data, geo=GEO, known_at=cut, late_target=0.05)
    b = train(slower_future, geo=GEO, known_at=cut, late_target=0.05)
    assert a.to_dict() == b.to_dict()
    assert a.trained_on < 400


def test_model_round_trips_through_json():
    promiser = train(synthetic(), geo=GEO, late_target=0.05)
    again = Promiser.from_dict(json.loads(json.dumps(promiser.to_dict())))
    order = synthetic()[-1]
    assert again.checkout_range(order) == promiser.checkout_range(order)
    assert again.handover_promise(order) == promiser.handover_promise(order)


def test_calibration_takes_the_cheapest_pair_within_the_late_target():
    # Two orders delivered 10 days after the anchor, predicted 5: the pair must lift the
    # promise to exactly 10 days (9 < expm1(...) <= 10), not more.
    mu, sigma = np.log1p(np.array([5.0, 5.0])), np.zeros(2)
    anchors = np.array([100, 100])
    a, b, found = calibrate(CHECKOUT, mu, sigma, anchors, anchors + 10, 1000, 0.0)
    assert found == {"mae_days": 0.0, "late_share": 0.0, "orders": 2}
    assert np.ceil(np.expm1(np.log1p(5.0) + a + b * 0.05)) == 10


def test_constant_stage_and_fallback():
    stage = Stage.constant(CHECKOUT, 9, fallback_days=14)
    assert stage.days([]) == (8, 9)
    assert stage.days([], placed=False)[1] == 14
    assert Forest.constant(1.5).predict([1.0]) == 1.5


def test_no_delivered_orders_is_a_clear_error():
    undelivered = [
        OrderFacts(
            ref="1", purchased_at=datetime.datetime(2024, 1, 1), customer_zip="", customer_state=""
        )
    ]
    with pytest.raises(ValueError, match="No delivered orders"):
        train(undelivered, geo=GEO)
