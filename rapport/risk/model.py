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
        """P(cancelled) for one feature vector: the trees walked at once in NumPy (`_Trees`,
        the same number as the classifier's own prediction, in a twentieth of the time), or the
        classifier's `predict_proba` for a classifier the walk does not know."""
        trees = self.__dict__.get("_trees", False)
        if trees is False:
            trees = self.__dict__["_trees"] = _Trees.of(self.classifier)
        if trees is not None:
            return trees.probability(values)
        return float(self.classifier.predict_proba(np.asarray([values]))[0, 1])

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_trees"}

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


class _Trees:
    """One feature vector through every tree of a fitted binary
    `HistGradientBoostingClassifier` at once: all nodes in flat arrays, each step moves every
    tree's current node to a child (a leaf stays put), as scikit-learn's predictor decides (a
    missing value goes the way the node learned, else left when ≤ the threshold); the leaf
    values are added in the trees' order onto the baseline, then the logistic function, as the
    classifier's `predict_proba` does. scikit-learn's own call costs about 1.2 ms of CPU on one
    row (argument checks and a call per tree); this about 0.07 ms. `of` checks the walk against
    `predict_proba` on made-up rows and gives None on any difference, or for a classifier of
    another kind (categorical splits, several classes, another library version's layout): the
    model then predicts the slow way."""

    def __init__(self, classifier: Any) -> None:
        predictors = [iteration[0] for iteration in classifier._predictors]
        sizes = [len(p.nodes) for p in predictors]
        nodes = np.concatenate([p.nodes for p in predictors])
        offsets = np.repeat(np.cumsum([0, *sizes])[:-1], sizes)
        leaf = nodes["is_leaf"].astype(bool)
        here = np.arange(len(nodes))
        self.roots = np.cumsum([0, *sizes])[:-1]
        self.left = np.where(leaf, here, nodes["left"].astype(np.int64) + offsets)
        self.right = np.where(leaf, here, nodes["right"].astype(np.int64) + offsets)
        self.feature = np.where(leaf, 0, nodes["feature_idx"])
        self.threshold = nodes["num_threshold"]
        self.missing_left = nodes["missing_go_to_left"].astype(bool)
        self.value = nodes["value"]
        self.depth = int(nodes["depth"].max())
        self.baseline = float(np.asarray(classifier._baseline_prediction).ravel()[0])

    def probability(self, values: list[float]) -> float:
        from scipy.special import expit

        x = np.asarray(values, dtype=np.float64)
        node = self.roots
        for _step in range(self.depth):
            v = x[self.feature[node]]
            go_left = np.where(np.isnan(v), self.missing_left[node], v <= self.threshold[node])
            node = np.where(go_left, self.left[node], self.right[node])
        raw = self.baseline
        for value in self.value[node].tolist():
            raw += value
        return float(expit(raw))

    @classmethod
    def of(cls, classifier: Any) -> _Trees | None:
        try:
            from sklearn.ensemble import HistGradientBoostingClassifier

            if not isinstance(classifier, HistGradientBoostingClassifier):
                return None
            if len(classifier.classes_) != 2 or classifier.n_trees_per_iteration_ != 1:
                return None
            if any(p.nodes["is_categorical"].any() for (p,) in classifier._predictors):
                return None
            trees = cls(classifier)
            rng = np.random.default_rng(0)
            n = classifier.n_features_in_
            rows = rng.random((256, n)) * rng.choice([1.0, 10.0, 1000.0], size=(256, n))
            rows[rng.random(rows.shape) < 0.2] = -1.0
            rows[rng.random(rows.shape) < 0.05] = np.nan
            expected = classifier.predict_proba(rows)[:, 1]
            if any(trees.probability(list(r)) != e for r, e in zip(rows, expected, strict=True)):
                return None
            return trees
        except Exception:  # any surprise in the classifier's layout: predict the slow way
            return None


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
