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
from rapport.delivery.model import Params, Sample, choose_and_fit, fit, score, weighted_quantile


def synthetic(n=400, seed=7):
    """Deliveries take 3 days, except orders bought in December which take 10; 1 in 10 orders
    takes two days longer. The 0.9-quantile promise is therefore 5 days (12 in December)."""
    rng = np.random.default_rng(seed)
    start = datetime.datetime(2024, 1, 1, 10)
    samples = []
    for i in range(n):
        bought = start + datetime.timedelta(days=int(i * 730 / n))
        days = (10 if bought.month == 12 else 3) + (2 if rng.random() < 0.1 else 0)
        samples.append(
            Sample(
                bought,
                bought + datetime.timedelta(days=days),
                (bought + datetime.timedelta(days=20)).date(),
            )
        )
    return samples


def test_weighted_quantile_is_exact_on_known_values():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(values, np.ones(4), 0.5) == 2.0
    assert weighted_quantile(values, np.ones(4), 0.75) == 3.0
    assert weighted_quantile(values, np.array([0.0, 0.0, 0.0, 1.0]), 0.1) == 4.0


def test_fit_learns_the_known_promise_per_month():
    params = fit(synthetic(), quantile=0.95, half_life_days=1e9, shrink=0.0)
    assert params.days_for(datetime.datetime(2025, 6, 3, 9)) == 5
    assert params.days_for(datetime.datetime(2025, 12, 3, 9)) == 12


def test_shrinkage_pulls_small_groups_to_the_overall_quantile():
    params = fit(synthetic(), quantile=0.95, half_life_days=1e9, shrink=1e6)
    assert params.days_for(datetime.datetime(2025, 12, 3, 9)) == params.days_for(
        datetime.datetime(2025, 6, 3, 9)
    )


def test_choose_and_fit_beats_a_lazy_promise_without_more_lateness():
    data = synthetic()
    params = choose_and_fit(data, target_late_share=0.0, half_life_days=1e9, shrink=0.0)
    tail = data[-100:]
    ours = score([params.promise(s.purchased_at) for s in tail], tail)
    lazy = score([s.promised_on for s in tail if s.promised_on], tail)
    assert ours.late_share == 0.0
    assert ours.mae_days < lazy.mae_days


def test_params_round_trip_through_json():
    params = fit(synthetic(), quantile=0.9)
    again = Params.from_dict(json.loads(json.dumps(params.to_dict())))
    when = datetime.datetime(2025, 12, 24, 12)
    assert again.promise(when) == params.promise(when)


def test_no_delivered_orders_is_a_clear_error():
    with pytest.raises(ValueError):
        fit([Sample(datetime.datetime(2024, 1, 1))], quantile=0.9)


# The first 1,500 rows of the real Olist orders excerpt (tests/data/README.md).
REAL_SLICE = (
    Path(__file__).resolve().parents[3] / "tests" / "data" / "delivery" / "orders_head_1500.csv.gz"
)


def test_evaluate_command_runs_on_the_real_excerpt():
    out = StringIO()
    call_command("evaluate_delivery_model", path=REAL_SLICE, stdout=out)
    text = out.getvalue()
    assert "ours" in text and "olist" in text and "MAE ratio" in text
    ours, olist, params = services.evaluate(path=REAL_SLICE)
    assert ours.orders == olist.orders > 200
    assert 0.5 <= params.quantile <= 0.99


def test_train_command_writes_json_and_promises_use_it(tmp_path, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    call_command("train_delivery_model", path=REAL_SLICE, stdout=StringIO())
    stored = json.loads((tmp_path / "model.json").read_text())
    params = Params.from_dict(stored)
    assert params.trained_on > 1400
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
