"""Purchase intent: the probability that a visit ends in an order, learned from the 12,330 real
sessions of the UCI Online Shoppers Purchasing Intention data
(`../shared/datasets/online_shoppers/`).

Two models are evaluated on the same stratified 75/25 split (seed 0):
- *live*: only what this store's own traffic log knows about a visit in progress — pages and
  seconds on account/checkout ("administrative"), help ("informational") and product-related
  pages, returning visitor, weekend, month. This is the one that scores live visits.
- *full*: every column, including Google Analytics' bounce and exit rates and "page value"
  (which the published ~0.93 ROC-AUC rests on, and which a live visit does not have).
See docs/traffic.md for the figures.
"""

from __future__ import annotations

import csv
import gzip
import pickle  # only our own model file, written by `train_purchase_intent`
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "june": 6, "jun": 6, "jul": 7,
          "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}  # fmt: skip
LIVE_FEATURES = (
    "Administrative",
    "Administrative_Duration",
    "Informational",
    "Informational_Duration",
    "ProductRelated",
    "ProductRelated_Duration",
    "returning",
    "weekend",
    "month",
)
FULL_FEATURES = (*LIVE_FEATURES, "BounceRates", "ExitRates", "PageValues", "SpecialDay")
MODEL_VERSION = 1
# A visit at or above this probability that has not ordered is offered live chat.
INVITE_THRESHOLD = 0.5


class SessionsFileError(ValueError):
    """The sessions file cannot be read; the message says why."""


def model_path() -> Path:
    return Path(settings.VAR_DIR) / "purchase_intent.pkl"


def read_sessions(path: Path) -> tuple[list[dict[str, float]], np.ndarray]:
    """Feature rows and labels (Revenue) of the Online Shoppers CSV (gzip or plain)."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    rows, labels = [], []
    try:
        with opener(path, "rt", newline="") as handle:
            for line in csv.DictReader(handle):
                row = {
                    name: float(line[name])
                    for name in FULL_FEATURES
                    if name not in ("returning", "weekend", "month")
                }
                row["returning"] = float(line["VisitorType"] == "Returning_Visitor")
                row["weekend"] = float(line["Weekend"].upper() == "TRUE")
                row["month"] = float(MONTHS[line["Month"].strip().lower()])
                rows.append(row)
                labels.append(int(line["Revenue"].upper() == "TRUE"))
    except (OSError, KeyError, ValueError) as exc:
        raise SessionsFileError(f"{path}: not an Online Shoppers sessions file ({exc})") from exc
    return rows, np.asarray(labels)


def matrix(rows: list[dict[str, float]], features: tuple[str, ...]) -> np.ndarray:
    return np.asarray([[row[name] for name in features] for row in rows], dtype=float)


def _classifier() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0,
        categorical_features=None, random_state=0,
    )  # fmt: skip


@dataclass
class IntentModel:
    classifier: Any
    features: tuple[str, ...]
    version: int = MODEL_VERSION

    def probability(self, row: dict[str, float]) -> float:
        return float(self.classifier.predict_proba(matrix([row], self.features))[0, 1])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(self))
        tmp.replace(path)


def evaluate(path: Path, *, test_share: float = 0.25, seed: int = 0) -> dict[str, Any]:
    """ROC-AUC and PR-AUC of the live and full models on a stratified hold-out split."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    rows, y = read_sessions(path)
    index = np.arange(len(rows))
    train, test = train_test_split(index, test_size=test_share, stratify=y, random_state=seed)
    result: dict[str, Any] = {
        "sessions": len(rows),
        "purchases": int(y.sum()),
        "train": len(train),
        "test": len(test),
        "test_purchases": int(y[test].sum()),
    }
    for name, features in (("live", LIVE_FEATURES), ("full", FULL_FEATURES)):
        x = matrix(rows, features)
        model = _classifier().fit(x[train], y[train])
        score = model.predict_proba(x[test])[:, 1]
        result[name] = {
            "roc_auc": round(float(roc_auc_score(y[test], score)), 4),
            "pr_auc": round(float(average_precision_score(y[test], score)), 4),
        }
    return result


def train(path: Path) -> IntentModel:
    rows, y = read_sessions(path)
    model = IntentModel(_classifier().fit(matrix(rows, LIVE_FEATURES), y), LIVE_FEATURES)
    model.save(model_path())
    return model


_cache: dict[str, Any] = {}


def load_model() -> IntentModel | None:
    path = model_path()
    if not path.is_file():
        return None
    stamp = path.stat().st_mtime
    if _cache.get("stamp") != stamp:
        model = pickle.loads(path.read_bytes())  # noqa: S301 - our own file (see save)
        if not isinstance(model, IntentModel) or model.features != LIVE_FEATURES:
            return None
        _cache.update(stamp=stamp, model=model)
    return _cache["model"]


def visit_features(visit: Any) -> dict[str, float]:
    at = visit.last_seen_at
    return {
        "Administrative": float(visit.account_pages),
        "Administrative_Duration": float(visit.account_seconds),
        "Informational": float(visit.help_pages),
        "Informational_Duration": float(visit.help_seconds),
        "ProductRelated": float(visit.product_pages),
        "ProductRelated_Duration": float(visit.product_seconds),
        "returning": float(visit.returning),
        "weekend": float(at.isoweekday() >= 6),
        "month": float(at.month),
    }


def score_visit(visit: Any) -> float | None:
    """P(order) for a visit in progress, or None without a trained model."""
    model = load_model()
    if model is None:
        return None
    return round(model.probability(visit_features(visit)), 4)
