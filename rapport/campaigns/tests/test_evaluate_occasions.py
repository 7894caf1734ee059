"""The evaluation command's contract, and the method on hand-made multi-year histories."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rapport.campaigns.occasions import evaluation, mining

SLICE = Path(__file__).resolve().parents[3] / "tests" / "data" / "online_retail_slice.csv.gz"
OLD = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
       "CustomerID", "Country")  # fmt: skip
NEW = ("Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
       "Customer ID", "Country")  # fmt: skip


def write(path: Path, header: tuple[str, ...], rows: list[tuple[str, datetime.date, int]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for number, (customer, day, quantity) in enumerate(rows):
            invoice = f"{'C' if quantity < 0 else ''}{500000 + number}"
            out.writerow([invoice, "85123A", "HEART", quantity, f"{day} 10:00:00", "2.55",
                          customer, "United Kingdom"])  # fmt: skip
    return path


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("evaluate_occasions", *args, stdout=out)
    text = out.getvalue().strip()
    assert text.count("\n") == 0
    return json.loads(text)


def shop(years: int) -> list[tuple[str, datetime.date, int]]:
    """40 gift buyers who buy once a year in the week of May 10 (weekday kept: 52 weeks on),
    and 40 regulars who buy every second Tuesday all year."""
    rows: list[tuple[str, datetime.date, int]] = []
    for c in range(40):
        for y in range(years):
            rows.append((f"G{c}", datetime.date(2008, 5, 10) + datetime.timedelta(364 * y), 3))
    for c in range(40):
        day = datetime.date(2008, 1, 1) + datetime.timedelta(c % 14)
        while day < datetime.date(2008 + years, 1, 1):
            rows.append((f"R{c}", day, 5))
            day += datetime.timedelta(14)
    return rows


def test_prints_one_json_object_with_both_methods_on_the_real_slice() -> None:
    result = run("--orders", str(SLICE), "--cutoff", "2010-12-05", "--horizon-days", "30")
    keys = {"predictions", "precision", "base_rate", "lift", "recall"}
    assert keys <= set(result)
    assert set(result["naive"]) == keys


def test_yearly_gift_buyers_are_found_and_regulars_are_not(tmp_path: Path) -> None:
    # four years of history, the fifth scored: each gift buyer buys again in May
    rows = shop(5)
    path = write(tmp_path / "shop.csv.gz", OLD, rows)
    result = run("--orders", str(path), "--cutoff", "2012-01-01")
    assert result["predictions"] == 40  # one May window per gift buyer, no regular
    assert result["precision"] == 1.0
    # a gift buyer buys in 14 of the 352 fourteen-day windows of the year
    assert result["base_rate"] == pytest.approx(14 / 352, abs=1e-4)
    assert result["lift"] > 3.0
    # the naive baseline predicts every regular's every fortnight too
    assert result["naive"]["predictions"] > 40 * 20
    assert result["naive"]["lift"] < result["lift"]


def test_both_column_namings_and_several_files_give_the_same_answer(tmp_path: Path) -> None:
    rows = shop(3)
    half = len(rows) // 2
    one = write(tmp_path / "all.csv.gz", OLD, rows)
    a = write(tmp_path / "a.csv.gz", NEW, rows[:half])
    b = write(tmp_path / "b.csv.gz", OLD, rows[half:])
    args = ("--cutoff", "2010-01-01", "--window-days", "10")
    assert run("--orders", str(one), *args) == run("--orders", str(a), "--orders", str(b), *args)


def test_credit_notes_do_not_count_as_purchases(tmp_path: Path) -> None:
    rows = [("A", datetime.date(2009, 5, 10), 2), ("A", datetime.date(2010, 5, 9), -2)]
    path = write(tmp_path / "c.csv.gz", OLD, rows)
    result = run("--orders", str(path), "--cutoff", "2010-01-01")
    assert result["naive"]["predictions"] == 1
    assert result["naive"]["precision"] == 0.0


@pytest.mark.parametrize(
    "args",
    [
        ("--cutoff", "tomorrow"),
        ("--cutoff", "2011-01-01", "--window-days", "0"),
    ],
)
def test_bad_arguments_are_clear_errors(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        run("--orders", str(SLICE), *args)


def test_a_file_with_other_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="expected the columns"):
        run("--orders", str(path), "--cutoff", "2011-01-01")


def test_scoring_arithmetic_on_a_hand_made_example() -> None:
    # horizon of 20 days from day 100, windows of 4 days
    purchases = {"a": [101, 112], "b": [105]}
    predictions = {"a": [102, 103, 117], "b": [115]}
    scores = evaluation.score(predictions, purchases, start=100, horizon_days=20, window_days=4)
    # a: dates 102 → window 100-103 (hit, 101); 103 overlaps it, dropped; 117 → 115-118 (miss)
    # b: 115 → 113-116 (miss)
    assert scores.predictions == 3
    assert scores.precision == pytest.approx(1 / 3, abs=1e-4)
    # 17 window positions; a's purchases at offsets 1 and 12 are in 2 + 4 = 6 windows... (starts
    # 0-1 and 9-12), b's at offset 5 in starts 2-5 = 4 windows
    assert scores.base_rate == pytest.approx((6 / 17 * 2 + 4 / 17) / 3, abs=1e-4)
    # tiles of 4 days: a buys in tiles 0 and 3, b in tile 1; only a's tile 0 is covered
    assert scores.recall == pytest.approx(1 / 3, abs=1e-4)


def test_mining_settings_thresholds_filter_moments() -> None:
    days = [datetime.date(2008 + y, 5, 10).toordinal() - y for y in range(3)]
    as_of = datetime.date(2011, 1, 1).toordinal()
    start = datetime.date(2008, 1, 1).toordinal()
    found = mining.mine({"x": days}, as_of=as_of, data_start=start)
    assert [m.repetitions for m in found["x"]] == [3]
    strict = mining.Settings(min_strength=0.99)
    assert mining.mine({"x": days}, as_of=as_of, data_start=start, settings=strict) == {}
