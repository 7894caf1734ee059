"""Scoring the intent model: macro-F1, accuracy, per-intent F1, auto-answer coverage/precision."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from rapport.support.intents.data import Example, text_key
from rapport.support.intents.model import answer_threshold, predict, train
from rapport.support.intents.text import question_text


def without_texts_of(train_set: list[Example], test_set: list[Example]) -> list[Example]:
    """Training examples minus any text (case and spacing ignored) that is also in the test set."""
    held = {text_key(e.text) for e in test_set}
    return [e for e in train_set if text_key(e.text) not in held]


def score(
    test_set: list[Example],
    *,
    pipeline: Any,
    threshold: float | None,
    mails: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Score a fitted pipeline. `mails` (optional) replaces the test texts with (plain, html)
    bodies, e.g. a mail variant of the same examples; every text goes through the inbound
    path (`question_text`) first. `threshold` None: the threshold in use (the setting when
    set, else the model's validated thresholds, as for inbound mail)."""
    from sklearn.metrics import accuracy_score, f1_score

    bodies = mails if mails is not None else [(e.text, "") for e in test_set]
    truth = [e.intent for e in test_set]
    predictions = predict(pipeline, [question_text(body, html=html) for body, html in bodies])
    guessed = [p.intent for p in predictions]
    labels = sorted(set(truth) | set(guessed))
    per_intent = f1_score(truth, guessed, labels=labels, average=None, zero_division=0)
    answered = [
        (p.intent == t)
        for p, t in zip(predictions, truth, strict=True)
        if p.confidence >= answer_threshold(p, threshold)
    ]
    in_use: Any = threshold if threshold is not None else settings.RAPPORT_AUTO_ANSWER_THRESHOLD
    present = sorted(set(truth))
    return {
        "macro_f1": round(
            float(f1_score(truth, guessed, labels=present, average="macro", zero_division=0)), 5
        ),
        "accuracy": round(float(accuracy_score(truth, guessed)), 5),
        "per_intent": {
            label: round(float(f), 5)
            for label, f in zip(labels, per_intent, strict=True)
            if label in present
        },
        # One number: the setting, or the model's validated threshold (some intents need more:
        # auto_answer_thresholds lists them).
        "auto_answer_threshold": round(in_use if in_use is not None else pipeline.floor, 5),
        "auto_answer_thresholds": {}
        if in_use is not None
        else {k: round(v, 5) for k, v in sorted(pipeline.thresholds.items())},
        "auto_answer_coverage": round(len(answered) / len(truth), 5) if truth else 0.0,
        "auto_answer_precision": round(sum(answered) / len(answered), 5) if answered else 0.0,
        "test_examples": len(truth),
    }


def evaluate(
    test_set: list[Example], train_set: list[Example], *, threshold: float | None
) -> dict[str, Any]:
    """Train on `train_set` (minus texts that are in the test set) and score on `test_set`."""
    cleaned = without_texts_of(train_set, test_set)
    result = score(test_set, pipeline=train(cleaned), threshold=threshold)
    result["train_examples"] = len(cleaned)
    return result
