"""The model's one-row walk through the trees gives scikit-learn's own probabilities."""

from __future__ import annotations

import pickle

import numpy as np

from rapport.risk.features import FEATURES
from rapport.risk.model import RiskModel, _Trees, fit


def _model(seed: int = 1) -> tuple[RiskModel, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3000, len(FEATURES))) * 5
    x[rng.random(x.shape) < 0.05] = np.nan  # missing values learn a side at each split
    y = (np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 3]) * 0.5 + rng.normal(size=3000) > 1).astype(
        int
    )
    return fit(x, y, trained_on="test"), rng.normal(size=(500, len(FEATURES))) * 8


def test_the_walk_equals_predict_proba_on_rows_it_was_not_checked_on():
    model, rows = _model()
    rows[::7, 2] = np.nan
    rows[::5, 0] = -1.0
    expected = model.classifier.predict_proba(rows)[:, 1]

    got = [model.probability(list(r)) for r in rows]

    assert isinstance(model.__dict__["_trees"], _Trees)
    assert got == expected.tolist()
    assert 0 < min(got) < max(got) < 1


def test_a_model_file_does_not_keep_the_walk_and_a_one_class_model_is_not_walked():
    model, rows = _model()
    model.probability(list(rows[0]))
    copy = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own object
    assert "_trees" not in copy.__dict__
    assert copy.probability(list(rows[1])) == model.probability(list(rows[1]))

    dummy = fit(rows[:10], np.zeros(10, dtype=int), trained_on="one class")
    assert _Trees.of(dummy.classifier) is None
