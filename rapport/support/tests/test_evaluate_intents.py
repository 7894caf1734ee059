"""The evaluation command's contract: one JSON object on stdout, both Bitext namings."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rapport.support.tests.conftest import DATA


def test_evaluate_intents_prints_one_json_object_with_the_contract_keys(capsys):
    out = StringIO()

    call_command(
        "evaluate_intents",
        str(DATA / "llm_slice.csv.gz"),
        "--train",
        str(DATA / "utterances_slice.csv.gz"),
        stdout=out,
    )

    result = json.loads(out.getvalue())
    assert {
        "macro_f1",
        "accuracy",
        "per_intent",
        "auto_answer_coverage",
        "auto_answer_precision",
        "auto_answer_threshold",
    } <= set(result)
    # check_invoices (training spelling) and check_invoice (test spelling) are one intent.
    assert "check_invoice" in result["per_intent"]
    assert "check_invoices" not in result["per_intent"]
    assert len(result["per_intent"]) == 27
    assert 0.5 < result["macro_f1"] <= 1.0
    assert 0.0 <= result["auto_answer_coverage"] <= 1.0
    assert result["train_examples"] == 1071
    assert "Training on" in capsys.readouterr().err


def test_texts_of_the_test_file_are_dropped_from_training():
    # Training on the test file itself leaves nothing to train on: no text is on both sides.
    source = DATA / "utterances_slice.csv.gz"

    with pytest.raises(CommandError, match="at least two intents"):
        call_command("evaluate_intents", str(source), "--train", str(source), stdout=StringIO())


def test_a_file_without_the_columns_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(b"text,label\nhello,greeting\n"))

    with pytest.raises(CommandError, match="instruction"):
        call_command("evaluate_intents", str(bad), "--train", str(bad), stdout=StringIO())


def test_train_intents_stores_a_model_that_classifies(tmp_path):
    from rapport.support.intents import model

    target = tmp_path / "m.joblib"
    out = StringIO()

    call_command(
        "train_intents", str(DATA / "utterances_slice.csv.gz"), "--output", str(target), stdout=out
    )

    assert target.exists() and str(target) in out.getvalue()
    prediction = model.classify(
        "Hello,\nwhere can I track my delivery?\nThanks", pipeline=model.load(target)
    )
    assert prediction.intent == "track_order"


def test_thresholds_are_chosen_on_validation_answers_and_raised_per_intent():
    from rapport.support.intents.model import choose_thresholds

    confidences = [0.99, 0.97, 0.95, 0.9, 0.8, 0.7, 0.6]
    guessed = ["a", "b", "a", "b", "a", "b", "a"]
    truth = ["a", "b", "a", "a", "a", "b", "b"]  # wrong at 0.9 (named b) and at 0.6 (named a)

    floor, per_intent = choose_thresholds(confidences, guessed, truth)

    # Nothing below 0.9 keeps 99.9 % right: the floor stops above the wrong answer at 0.9.
    assert floor == 0.95
    assert per_intent == {}
    floor, per_intent = choose_thresholds([0.99, 0.98, 0.5], ["a", "b", "b"], ["b", "b", "b"])
    assert floor == 1.0 or per_intent.get("a", 0) > 0.99


def test_the_model_carries_validated_thresholds_and_the_setting_overrides_them(settings):
    from rapport.support.intents import data, model

    examples = data.read_all([DATA / "utterances_slice.csv.gz", DATA / "llm_slice.csv.gz"])
    trained = model.train(examples)

    assert trained.validation["validation_examples"] > 0
    # The folded SVM gives what sklearn's calibrated SVM gives.
    import numpy as np

    matrix = trained.features.transform(["where is my refund", "cancel order ordernumber"])
    assert trained.svm_arrays is not None
    assert np.allclose(trained.svm_proba(matrix), trained.svm.predict_proba(matrix))
    assert 0.0 < trained.floor <= 1.0
    assert all(t >= trained.floor for t in trained.thresholds.values())
    prediction = model.classify("where can I track my delivery?", pipeline=trained)
    assert prediction.threshold == trained.threshold_for(prediction.intent)
    settings.RAPPORT_AUTO_ANSWER_THRESHOLD = None
    assert model.answer_threshold(prediction) == prediction.threshold
    settings.RAPPORT_AUTO_ANSWER_THRESHOLD = 0.42
    assert model.answer_threshold(prediction) == 0.42
    assert model.answer_threshold(prediction, 0.7) == 0.7
