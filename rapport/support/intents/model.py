"""The intent model: TF-IDF over words and characters, two linear classifiers, and auto-answer
thresholds chosen on a validation split.

Logistic regression and a sigmoid-calibrated linear SVM are fitted on the same features; the
confidence of an intent is the geometric mean of their two probabilities, so an answer is
confident only when both models are. Training holds out a validation split of its own texts
(by a second text hash: a text is never on both sides) and chooses there, never on a test set,
the lowest threshold whose answers are ≥ 99.9 % right, raised for each intent above any wrong
validation answer of that intent. `RAPPORT_AUTO_ANSWER_THRESHOLD`, when set, overrides them.

Trained by `manage.py train_intents` (or on first use when the file is missing) and stored with
joblib at RAPPORT_INTENT_MODEL_PATH (var/intent_model.joblib). The file is ours, written by this
module; it is never loaded from anywhere a user can write to.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from rapport.support.intents.data import Example, read_all, shared_files, text_key
from rapport.support.intents.text import question_text

log = logging.getLogger(__name__)
FORMAT_VERSION = 2
WORDS = r"(?u)\b\w+\b"  # one-letter words too ("i", "a")
VALIDATION_SHARE = 0.15
TARGET_PRECISION = 0.999
_lock = threading.Lock()
_loaded: dict[str, Any] = {}


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    # The next most likely intents with their confidences, best first.
    alternatives: tuple[tuple[str, float], ...] = ()
    # The model's auto-answer threshold for this intent (chosen on its validation split).
    threshold: float = 1.0


def build_features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
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


@dataclass
class IntentModel:
    """Features, the two classifiers and the validated thresholds; `predict_proba` takes texts
    that already went through `question_text`."""

    features: Any = None
    lr: Any = None
    svm: Any = None
    classes_: list[str] = field(default_factory=list)
    floor: float = 1.0
    thresholds: dict[str, float] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    # The calibrated SVM folded into arrays (`_compile`): one product instead of sklearn's
    # per-class calibrator loop (~7 ms a message); None falls back to sklearn.
    svm_arrays: tuple[Any, ...] | None = None

    def fit(self, texts: list[str], intents: list[str]) -> IntentModel:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        self.features = build_features()
        matrix = self.features.fit_transform(texts)
        # Weak regularisation suits this clean, template-made data (docs/performance.md).
        self.lr = LogisticRegression(C=30, max_iter=300).fit(matrix, intents)
        self.svm = CalibratedClassifierCV(LinearSVC(C=0.5), cv=3, method="sigmoid")
        self.svm.fit(matrix, intents)
        self.classes_ = [str(c) for c in self.lr.classes_]
        self.svm_arrays = self._compile()
        return self

    def _compile(self) -> tuple[Any, ...] | None:
        """Each fold's SVM weights, intercepts and sigmoid (a, b) per class, stacked."""
        import numpy as np

        folds = self.svm.calibrated_classifiers_
        if len(self.classes_) < 3:
            return None
        weights, bias, a, b = [], [], [], []
        for fold in folds:
            svc = fold.estimator
            if [str(c) for c in svc.classes_] != self.classes_ or fold.method != "sigmoid":
                return None  # a fold that did not see every intent: sklearn's own path
            weights.append(svc.coef_)
            bias.append(svc.intercept_)
            a.append([c.a_ for c in fold.calibrators])
            b.append([c.b_ for c in fold.calibrators])
        return (
            np.vstack(weights).T.copy(),
            np.concatenate(bias),
            np.concatenate(a).astype(float),
            np.concatenate(b).astype(float),
            len(folds),
        )

    def svm_proba(self, matrix: Any) -> Any:
        """What `self.svm.predict_proba` gives (the mean of the folds' normalised sigmoids)."""
        import numpy as np
        from scipy.special import expit

        if self.svm_arrays is None:
            return self.svm.predict_proba(matrix)
        weights, bias, a, b, folds = self.svm_arrays
        scores = np.asarray(matrix @ weights) + bias
        proba = expit(-(a * scores + b)).reshape(scores.shape[0], folds, len(self.classes_))
        total = proba.sum(axis=2, keepdims=True)
        uniform = np.full_like(proba, 1 / len(self.classes_))
        proba = np.divide(proba, total, out=uniform, where=total != 0)
        return proba.mean(axis=1)

    def predict_proba(self, texts: list[str]) -> Any:
        import numpy as np

        matrix = self.features.transform(texts)
        return np.sqrt(self.lr.predict_proba(matrix) * self.svm_proba(matrix))

    def threshold_for(self, intent: str) -> float:
        return self.thresholds.get(intent, self.floor)


def is_validation(text: str) -> bool:
    """The validation side of training (a hash independent of the test split's)."""
    return int(text_key(text)[4:8], 16) < int(VALIDATION_SHARE * 0xFFFF)


def choose_thresholds(
    confidences: list[float], guessed: list[str], truth: list[str]
) -> tuple[float, dict[str, float]]:
    """The lowest threshold at which the answers are ≥ TARGET_PRECISION right, and per intent
    that threshold raised just above the most confident wrong answer naming that intent."""
    ranked = sorted(zip(confidences, guessed, truth, strict=True), key=lambda r: -r[0])
    floor, right = 1.0, 0
    for n, (confidence, guess, true) in enumerate(ranked, start=1):
        right += guess == true
        nxt = ranked[n][0] if n < len(ranked) else -1.0
        if right / n >= TARGET_PRECISION and nxt < confidence:
            floor = confidence
    per_intent: dict[str, float] = {}
    for confidence, guess, true in ranked:
        if guess != true and confidence >= floor:
            per_intent[guess] = max(per_intent.get(guess, floor), confidence + 1e-6)
    return floor, per_intent


def train(examples: list[Example]) -> IntentModel:
    """Fit a model on the training side and choose its thresholds on the validation side
    (every text through `question_text` first)."""
    if len({e.intent for e in examples}) < 2:
        raise ValueError("Training needs at least two intents.")
    fit = [e for e in examples if not is_validation(e.text)]
    held = [e for e in examples if is_validation(e.text)]
    if len({e.intent for e in fit}) < 2 or not held:
        fit, held = examples, []
    model = IntentModel().fit([question_text(e.text) for e in fit], [e.intent for e in fit])
    if held:
        predictions = predict(model, [question_text(e.text) for e in held])
        truth = [e.intent for e in held]
        model.floor, model.thresholds = choose_thresholds(
            [p.confidence for p in predictions], [p.intent for p in predictions], truth
        )
        model.validation = {"fit_examples": len(fit), "validation_examples": len(held)}
    return model


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
        if isinstance(stored, dict) and stored.get("version") != FORMAT_VERSION:
            log.warning("The intent model at %s is of an older version: training one now", path)
            trained_on = [Path(settings.RAPPORT_DATA_DIR) / n for n in stored["trained_on"]]
            train_and_save([p for p in trained_on if p.exists()] or None, path=path)
            mtime, stored = path.stat().st_mtime, joblib.load(path)
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
                threshold=float(pipeline.threshold_for(classes[best])),
            )
        )
    return result


def answer_threshold(prediction: Prediction, override: float | None = None) -> float:
    """The confidence an automatic answer needs: `override`, else RAPPORT_AUTO_ANSWER_THRESHOLD
    when set, else the model's validated threshold for the predicted intent."""
    if override is None:
        override = settings.RAPPORT_AUTO_ANSWER_THRESHOLD
    return float(override) if override is not None else prediction.threshold


def classify(body: str, *, html: str = "", pipeline: Any = None) -> Prediction:
    """The intent of one mail body (plain text, or HTML when there is no plain part)."""
    pipeline = pipeline if pipeline is not None else load()
    return predict(pipeline, [question_text(body, html=html)])[0]
