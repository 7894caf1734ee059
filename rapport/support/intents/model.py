"""The intent model: TF-IDF over words and characters, multinomial logistic regression.

Trained by `manage.py train_intents` (or on first use when the file is missing) and stored with
joblib at RAPPORT_INTENT_MODEL_PATH (var/intent_model.joblib). The file is ours, written by this
module; it is never loaded from anywhere a user can write to.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from rapport.support.intents.data import Example, read_all, shared_files
from rapport.support.intents.text import question_text

log = logging.getLogger(__name__)
FORMAT_VERSION = 1
WORDS = r"(?u)\b\w+\b"  # one-letter words too ("i", "a")
_lock = threading.Lock()
_loaded: dict[str, Any] = {}


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    # The next most likely intents with their probabilities, best first.
    alternatives: tuple[tuple[str, float], ...] = ()


def build_pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=WORDS),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )
    # Multinomial logistic regression: its probabilities are the confidence (weak regularisation
    # suits this clean, template-made data; docs/support.md has the comparison with a
    # sigmoid-calibrated linear SVM, whose probabilities ranked errors worse).
    classifier = LogisticRegression(C=30, max_iter=300)
    return Pipeline([("features", features), ("classifier", classifier)])


def train(examples: list[Example]) -> Any:
    """Fit a new pipeline on examples (each text through `question_text` first)."""
    if len({e.intent for e in examples}) < 2:
        raise ValueError("Training needs at least two intents.")
    pipeline = build_pipeline()
    pipeline.fit([question_text(e.text) for e in examples], [e.intent for e in examples])
    return pipeline


def save(pipeline: Any, *, path: Path | None = None, trained_on: list[str]) -> Path:
    import joblib

    path = Path(path or settings.RAPPORT_INTENT_MODEL_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump({"version": FORMAT_VERSION, "pipeline": pipeline, "trained_on": trained_on}, tmp)
    tmp.replace(path)  # readers see the old file or the new one, never half of one
    with _lock:
        _loaded.clear()
    return path


def train_and_save(paths: list[Path] | None = None, *, path: Path | None = None) -> Path:
    """Train on `paths` (default: the two shared Bitext sets) and store the model."""
    paths = list(paths or shared_files())
    started = time.monotonic()
    pipeline = train(read_all(paths))
    log.info("Intent model trained in %.1fs", time.monotonic() - started)
    return save(pipeline, path=path, trained_on=[p.name for p in paths])


def load(path: Path | None = None) -> Any:
    """The stored pipeline, cached per process; trained on the fly when the file is missing."""
    import joblib

    path = Path(path or settings.RAPPORT_INTENT_MODEL_PATH)
    key = str(path)
    with _lock:
        cached = _loaded.get(key)
        mtime = path.stat().st_mtime if path.exists() else None
        if cached is not None and cached[0] == mtime:
            return cached[1]
        if mtime is None:
            log.warning("No intent model at %s: training one now", path)
            train_and_save(path=path)
            mtime = path.stat().st_mtime
        stored = joblib.load(path)  # our own file under var/
        if not isinstance(stored, dict) or stored.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not an intent model of this version: retrain it")
        _loaded[key] = (mtime, stored["pipeline"])
        return stored["pipeline"]


def predict(pipeline: Any, texts: list[str]) -> list[Prediction]:
    """Predictions for texts that already went through `question_text`."""
    probabilities = pipeline.predict_proba(texts)
    classes = list(pipeline.classes_)
    result = []
    for row in probabilities:
        order = row.argsort()[::-1]
        best = int(order[0])
        result.append(
            Prediction(
                intent=classes[best],
                confidence=float(row[best]),
                alternatives=tuple((classes[int(i)], float(row[int(i)])) for i in order[1:4]),
            )
        )
    return result


def classify(body: str, *, html: str = "", pipeline: Any = None) -> Prediction:
    """The intent of one mail body (plain text, or HTML when there is no plain part)."""
    pipeline = pipeline if pipeline is not None else load()
    return predict(pipeline, [question_text(body, html=html)])[0]
