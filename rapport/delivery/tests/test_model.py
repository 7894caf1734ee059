"""The delivery-date model on data where the right answer is known, and on the real excerpt."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from rapport.delivery import services
from rapport.delivery.model import (
    CHECKOUT,
    HANDOVER,
    Params,
    Sample,
    choose_and_fit,
    fit_stage,
    quantile_regression,
    score,
)

SMALL_GRID = {"taus": (0.9,), "half_lives": (0.0,)}


def synthetic(n=400, seed=7):
    """Bought at 10:00 every ~1.8 days over two years. The parcel leaves a day later and takes
    2 days in transit (5 if bought on a Saturday); 1 order in 10 takes 2 days longer. So the
    0.95-quantile promise is 5 days from purchase (8 on a Saturday) and 4 days from hand-over
    (7 for Saturday purchases)."""
    rng = np.random.default_rng(seed)
    start = datetime.datetime(2024, 1, 1, 10)
    samples = []
    for i in range(n):
        bought = start + datetime.timedelta(days=int(i * 730 / n))
        handed = bought + datetime.timedelta(days=1)
        transit = (5 if bought.weekday() == 5 else 2) + (2 if rng.random() < 0.1 else 0)
        samples.append(
            Sample(
                bought,
                handed + datetime.timedelta(days=transit),
                (bought + datetime.timedelta(days=20)).date(),
                approved_at=bought,
                handed_over_at=handed,
            )
        )
    return samples


SATURDAY = datetime.datetime(2025, 6, 7, 9)
TUESDAY = datetime.datetime(2025, 6, 3, 9)


def test_quantile_regression_is_exact_on_known_values():
    x = np.ones((5, 1))
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert quantile_regression(x, y, np.ones(5), 0.5) == pytest.approx([3.0])
    assert quantile_regression(x, y, np.ones(5), 0.9) == pytest.approx([5.0])
    # weights move the quantile: all weight on the last value
    weights = np.array([1e-3, 1e-3, 1e-3, 1e-3, 1.0])
    assert quantile_regression(x, y, weights, 0.5) == pytest.approx([5.0])


def test_fit_learns_the_known_promise_per_weekday():
    stage = fit_stage(
        synthetic(), kind=CHECKOUT, features=["weekday_hour"], tau=0.95, half_life_days=0
    )
    params = Params(checkout=stage)
    assert params.days_for(TUESDAY) == 5
    assert params.days_for(SATURDAY) == 8
    assert params.promise(SATURDAY) == datetime.date(2025, 6, 15)


def test_without_the_weekday_feature_one_number_fits_all():
    stage = fit_stage(synthetic(), kind=CHECKOUT, features=[], tau=0.95, half_life_days=0)
    assert stage.days(TUESDAY) == stage.days(SATURDAY)


def test_handover_promise_counts_from_the_hand_over():
    stage = fit_stage(
        synthetic(), kind=HANDOVER, features=["weekday_hour"], tau=0.95, half_life_days=0
    )
    params = Params(checkout=stage, handover=stage)
    handed = TUESDAY + datetime.timedelta(days=1)
    assert params.promise_after_handover(
        purchased_at=TUESDAY, handed_over_at=handed, approved_at=TUESDAY
    ) == datetime.date(2025, 6, 8)


def test_choose_and_fit_beats_a_lazy_promise_without_more_lateness():
    data = synthetic()
    cut = data[300].purchased_at
    params = choose_and_fit(data, known_at=cut, target_late_share=0.0, **SMALL_GRID)
    tail = data[300:]
    ours = score([params.promise(s.purchased_at) for s in tail], tail)
    lazy = score([s.promised_on for s in tail if s.promised_on], tail)
    assert ours.late_share == 0.0
    assert ours.mae_days < lazy.mae_days
    assert params.trained_on < 300  # nothing bought or delivered after the cut was used


def test_training_ignores_what_happened_after_the_cut():
    data = synthetic()
    cut = data[300].purchased_at
    slower_future = data[:300] + [
        Sample(s.purchased_at, s.delivered_at + datetime.timedelta(days=30), s.promised_on)
        for s in data[300:]
    ]
    a = choose_and_fit(data, known_at=cut, target_late_share=0.0, **SMALL_GRID)
    b = choose_and_fit(slower_future, known_at=cut, target_late_share=0.0, **SMALL_GRID)
    assert a.checkout.beta == b.checkout.beta
    assert a.checkout.offset == b.checkout.offset


def test_score_knows_only_what_was_known_at_a_time():
    bought = datetime.datetime(2024, 1, 1, 10)
    in_transit = Sample(bought, datetime.datetime(2024, 1, 20, 10))
    known_at = datetime.datetime(2024, 1, 10, 0)
    # promise passed while still in transit: late, error counted up to the day known
    passed = score([datetime.date(2024, 1, 5)], [in_transit], known_at)
    assert (passed.orders, passed.mae_days, passed.late_share) == (1, 5.0, 1.0)
    # promise not passed yet: unknown, left out
    assert score([datetime.date(2024, 1, 15)], [in_transit], known_at).orders == 0
    # with hindsight: 5 days late
    late = score([datetime.date(2024, 1, 15)], [in_transit])
    assert (late.mae_days, late.late_share) == (5.0, 1.0)


def test_params_round_trip_through_json():
    data = synthetic()
    params = choose_and_fit(data, target_late_share=0.05, **SMALL_GRID)
    assert params.handover is not None
    again = Params.from_dict(json.loads(json.dumps(params.to_dict())))
    assert again.promise(SATURDAY) == params.promise(SATURDAY)
    handed = SATURDAY + datetime.timedelta(days=2)
    assert again.promise_after_handover(
        purchased_at=SATURDAY, handed_over_at=handed
    ) == params.promise_after_handover(purchased_at=SATURDAY, handed_over_at=handed)


def test_no_delivered_orders_is_a_clear_error():
    with pytest.raises(ValueError, match="No delivered orders"):
        choose_and_fit([Sample(datetime.datetime(2024, 1, 1))])
    with pytest.raises(ValueError, match="No delivered orders"):
        fit_stage(
            [Sample(datetime.datetime(2024, 1, 1))],
            kind=CHECKOUT,
            features=[],
            tau=0.9,
            half_life_days=0,
        )


# The first 1,500 rows of the real Olist orders excerpt (tests/data/README.md).
REAL_SLICE = (
    Path(__file__).resolve().parents[3] / "tests" / "data" / "delivery" / "orders_head_1500.csv.gz"
)


def test_evaluate_command_runs_on_the_real_excerpt():
    out = StringIO()
    call_command("evaluate_delivery_model", path=REAL_SLICE, stdout=out)
    text = out.getvalue()
    assert "ours at checkout" in text and "olist" in text and "MAE ratio" in text
    assert "ours at hand-over" in text
    result = services.evaluate(path=REAL_SLICE)
    assert result.ours.orders == result.olist.orders > 200
    assert result.params.trained_on < 1500 * 0.8
    assert result.params.checkout.tau in (0.5, 0.8, 0.9)
    # the checkout promise was calibrated to Olist's lateness on validation, not on the test
    assert result.params.validation_late_target > 0


def test_train_command_writes_json_and_promises_use_it(tmp_path, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    call_command("train_delivery_model", path=REAL_SLICE, stdout=StringIO())
    stored = json.loads((tmp_path / "model.json").read_text())
    params = Params.from_dict(stored)
    assert params.trained_on > 1400
    assert params.handover is not None
    when = datetime.datetime(2025, 3, 3, 12, tzinfo=datetime.UTC)
    promised = services.promised_datetime(when)
    assert promised.date() == (
        when.astimezone(promised.tzinfo).date()
        + datetime.timedelta(days=params.days_for(when.astimezone(promised.tzinfo)))
    )


def test_without_a_model_the_default_days_apply(tmp_path, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "missing.json"
    settings.RAPPORT_DELIVERY_DEFAULT_DAYS = 6
    when = datetime.datetime(2025, 3, 3, 12, tzinfo=datetime.UTC)
    assert (services.promised_datetime(when).date() - when.date()).days == 6


def test_a_model_file_of_the_older_format_falls_back_to_the_default(tmp_path, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    settings.RAPPORT_DELIVERY_DEFAULT_DAYS = 6
    old = {"quantile": 0.97, "base": 20.0, "month": {}, "weekday": {}, "trained_on": 10}
    (tmp_path / "model.json").write_text(json.dumps(old))
    assert services.load_params() is None
    when = datetime.datetime(2025, 3, 3, 12, tzinfo=datetime.UTC)
    assert (services.promised_datetime(when).date() - when.date()).days == 6
