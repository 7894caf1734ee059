"""The customer-value evaluation command's contract, on 115 customers' real histories."""

from __future__ import annotations

import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SLICE = Path(__file__).resolve().parents[3] / "tests/data/online_retail_customers_slice.csv.gz"
PREDICTORS = ("ours", "last_period_spend", "bg_nbd_gamma_gamma")


def _run(*args: str) -> dict:
    out, err = StringIO(), StringIO()
    call_command("evaluate_customer_value", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue())  # the whole stdout is one JSON object


def _as_online_retail_ii(tmp_path: Path, rows: slice) -> Path:
    with gzip.open(SLICE, "rt", encoding="utf-8") as handle:
        header, *lines = handle.read().splitlines()
    header = header.replace("InvoiceNo", "Invoice").replace("UnitPrice", "Price")
    path = tmp_path / f"ii_{rows.start}.csv.gz"
    body = [header.replace("CustomerID", "Customer ID"), *lines[rows]]
    path.write_bytes(gzip.compress(("\n".join(body) + "\n").encode()))
    return path


def test_prints_scores_for_ours_and_both_baselines():
    result = _run("--orders", str(SLICE), "--cutoff", "2011-06-01")

    assert result["horizon_days"] == 365
    assert result["horizon_days_observed"] == 192  # the file ends on 2011-12-09
    for name in PREDICTORS:
        scores = result[name]
        assert scores["customers"] == result["customers"] > 50
        assert 0 < scores["top_decile_capture"] <= 1
        assert -1 <= scores["spearman"] <= 1
        assert scores["mae"] >= 0
    assert result["training"]["blend"]["weights"] == [0.8, 0.2]
    assert result["training"]["window_days"] == 182  # 2010-12-01 → 2011-06-01


def test_both_column_namings_and_several_files_give_the_same_figures(tmp_path):
    first = _as_online_retail_ii(tmp_path, slice(0, 5000))
    second = _as_online_retail_ii(tmp_path, slice(5000, None))

    split = _run("--orders", str(first), "--orders", str(second), "--cutoff", "2011-06-01")
    whole = _run("--orders", str(SLICE), "--cutoff", "2011-06-01")

    assert split == whole


def test_short_horizon_and_bad_cutoff(tmp_path):
    result = _run("--orders", str(SLICE), "--cutoff", "2011-06-01", "--horizon-days", "30")
    assert result["horizon_days_observed"] == 30

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _run("--orders", str(SLICE), "--cutoff", "June")
    with pytest.raises(CommandError, match="inside the files' dates"):
        _run("--orders", str(SLICE), "--cutoff", "2015-01-01")


def test_other_columns_are_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("order,amount\n1,2\n")

    with pytest.raises(CommandError, match="is neither"):
        _run("--orders", str(bad), "--cutoff", "2011-06-01")
