"""The evaluation command's contract, on a 1,600-row slice of the real data set."""

from __future__ import annotations

import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SLICE = Path(__file__).resolve().parents[3] / "tests/data/credit/credit_default_slice.csv.gz"


def _split(tmp_path: Path) -> tuple[Path, Path]:
    with gzip.open(SLICE, "rt") as handle:
        lines = handle.read().splitlines()
    header, rows = lines[0], lines[1:]
    train, test = tmp_path / "train.csv.gz", tmp_path / "test.csv"
    train.write_bytes(gzip.compress(("\n".join([header, *rows[:1100]]) + "\n").encode()))
    test.write_text("\n".join([header, *rows[1100:]]) + "\n")
    return train, test


def _run(*args: str) -> tuple[dict, str]:
    out, err = StringIO(), StringIO()
    call_command("evaluate_credit_rating", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_prints_one_json_object_with_metrics_and_grades(tmp_path):
    train, test = _split(tmp_path)

    result, progress = _run(str(test), "--train", str(train))

    assert 0.6 < result["roc_auc"] <= 1
    assert 0 < result["ks"] <= 1
    assert 0 < result["brier"] < 0.25
    assert set(result["grades"]) == {"A", "B", "C", "D", "E"}
    assert sum(g["customers"] for g in result["grades"].values()) == 500
    assert sum(g["share"] for g in result["grades"].values()) == pytest.approx(1, abs=0.01)
    assert result["test_rows"] == 500 and result["train_rows"] == 1100
    assert result["held_out_split"] is False
    assert {"SEX", "MARRIAGE", "AGE"} <= set(result["columns_not_used"])
    assert not any(n.startswith(("sex", "age", "marriage")) for n in result["features"])
    assert "training rows 1100" in progress


def test_test_file_equal_to_training_file_holds_out_a_split(tmp_path):
    result, _ = _run(str(SLICE), "--train", str(SLICE))

    assert result["held_out_split"] is True
    assert result["overlap_rows_left_out_of_training"] == 1600
    assert result["test_rows"] == 400 and result["train_rows"] == 1200


def test_missing_columns_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,LIMIT_BAL\n1,1000\n")

    with pytest.raises(CommandError, match="missing columns PAY_0"):
        _run(str(bad), "--train", str(SLICE))
