"""The "will it stick" model: gradient boosting on `features.FEATURES`, and its evaluation.

`evaluate(invoices, cutoff)` is what `manage.py evaluate_order_risk` prints: learn from the sale
invoices placed before the cutoff (labels from cancellations dated before it only), score every
sale invoice placed at or after it, and compare with the baseline (the customer's past
cancellation share) on the same invoices.
"""

from __future__ import annotations

import pickle  # only our own model file, written by `train_order_risk`
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from rapport.risk.features import FEATURES
from rapport.risk.retail import Example, Invoice, examples

MODEL_VERSION = 1


@dataclass
class RiskModel:
    """A fitted classifier and what it was learned from."""

    classifier: Any
    features: tuple[str, ...]
    trained_on: str
    version: int = MODEL_VERSION

    def probability(self, values: list[float]) -> float:
        """P(cancelled) for one feature vector."""
        return float(self.classifier.predict_proba(np.asarray([values]))[0, 1])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(self))
        tmp.replace(path)

    @staticmethod
    def load(path: Path) -> RiskModel | None:
        if not path.is_file():
            return None
        model = pickle.loads(path.read_bytes())  # noqa: S301 - our own file (see save)
        if not isinstance(model, RiskModel) or model.features != FEATURES:
            return None
        return model


def fit(x: np.ndarray, y: np.ndarray, *, trained_on: str) -> RiskModel:
    """Fit the gradient-boosting classifier (fixed seed: the same data gives the same model)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    classifier = HistGradientBoostingClassifier(
        max_iter=300,
        learning_rate=0.03,
        max_leaf_nodes=15,
        min_samples_leaf=100,
        l2_regularization=2.0,
        random_state=0,
    )
    if len(set(y.tolist())) < 2:
        from sklearn.dummy import DummyClassifier

        classifier = DummyClassifier(strategy="prior")
    classifier.fit(x, y)
    return RiskModel(classifier=classifier, features=FEATURES, trained_on=trained_on)


def split(
    invoices: list[Invoice], cutoff: datetime, home_country: str = "United Kingdom"
) -> tuple[list[Example], list[Example]]:
    """Examples before the cutoff (training) and at or after it (scored)."""
    rows = examples(invoices, home_country=home_country)
    train = [e for e in rows if e.invoice.placed_at < cutoff]
    test = [e for e in rows if e.invoice.placed_at >= cutoff]
    return train, test


def metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float | None]:
    """ROC-AUC, PR-AUC (average precision) and recall at a 5 % false-positive rate."""
    from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

    if len(set(y.tolist())) < 2:
        return {"roc_auc": None, "pr_auc": None, "recall_at_5pct_fpr": None}
    fpr, tpr, _t = roc_curve(y, score)
    recall = float(np.max(tpr[fpr <= 0.05])) if np.any(fpr <= 0.05) else 0.0
    return {
        "roc_auc": round(float(roc_auc_score(y, score)), 4),
        "pr_auc": round(float(average_precision_score(y, score)), 4),
        "recall_at_5pct_fpr": round(recall, 4),
    }


def evaluate(
    invoices: list[Invoice], cutoff: datetime, home_country: str = "United Kingdom"
) -> dict[str, Any]:
    """The evaluation command's JSON object (see the module docstring)."""
    train, test = split(invoices, cutoff, home_country)
    if not train:
        raise ValueError("No sale invoice with a customer before the cutoff: nothing to learn.")
    if not test:
        raise ValueError("No sale invoice with a customer after the cutoff: nothing to score.")
    x_train = np.asarray([e.features for e in train])
    y_train = np.asarray([e.invoice.label(known_before=cutoff) for e in train])
    model = fit(x_train, y_train, trained_on=f"{len(train)} invoices before {cutoff:%Y-%m-%d}")
    x_test = np.asarray([e.features for e in test])
    y_test = np.asarray([e.invoice.label() for e in test])
    scores = model.classifier.predict_proba(x_test)[:, 1]
    base = np.asarray([e.baseline for e in test])
    return {
        "invoices": len(test),
        "positives": int(y_test.sum()),
        **metrics(y_test, scores),
        "baseline": metrics(y_test, base),
        "training_invoices": len(train),
        "training_positives": int(y_train.sum()),
        "cutoff": f"{cutoff:%Y-%m-%d}",
        "window_days": _window_days(),
    }


def _window_days() -> int:
    from rapport.risk.retail import WINDOW

    return WINDOW.days
