"""The next-basket evaluation command (its contract) and the repeat model on hand-made data."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
import math
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rapport.recommendations import repeat
from rapport.recommendations.baskets import Basket, days, to_history

SLICE = Path(__file__).resolve().parents[3] / "tests" / "data" / "next_basket_slice.csv.gz"
II_NAMES = {"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"}


def run(*args: str) -> tuple[dict[str, object], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate_next_basket", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), out.getvalue()


def slice_rows() -> tuple[list[str], list[list[str]]]:
    with gzip.open(SLICE, "rt", newline="") as handle:
        reader = csv.reader(handle)
        return next(reader), list(reader)


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def naive_personal_top_hit_rate(cutoff: str, k: int) -> tuple[int, float]:
    """An independent, plain-Python reading of the protocol for `personal_top`'s hit rate."""
    _header, rows = slice_rows()
    sales = [
        r
        for r in rows
        if r[0].isdigit() and int(r[3]) > 0 and float(r[5]) > 0 and r[6] and r[1] != "POST"
    ]
    train = [r for r in sales if r[4] < cutoff]
    baskets_with: Counter[str] = Counter()
    for invoice in {r[0] for r in train}:
        baskets_with.update({r[1].upper() for r in train if r[0] == invoice})
    known = set(baskets_with)
    popular = sorted(known, key=lambda c: (-baskets_with[c], sorted(known).index(c)))
    hits, customers = 0, 0
    for customer in sorted({r[6] for r in train}):
        later = [r for r in sales if r[6] == customer and r[4] >= cutoff]
        if not later:
            continue
        first = min(later, key=lambda r: (r[4], r[0]))[0]
        target = {r[1].upper() for r in later if r[0] == first} & known
        if not target:
            continue
        own: Counter[str] = Counter()
        mine = [r for r in train if r[6] == customer]
        for invoice in {r[0] for r in mine}:
            own.update({r[1].upper() for r in mine if r[0] == invoice})
        ranked = sorted(own, key=lambda c: (-own[c], popular.index(c)))[:k]
        ranked += [c for c in popular if c not in ranked][: k - len(ranked)]
        customers += 1
        hits += bool(target & set(ranked))
    return customers, hits / customers


def test_command_prints_one_json_object_with_every_method():
    result, stdout = run("--orders", str(SLICE), "--cutoff", "2011-09-01")

    assert stdout.count("\n") <= 1 and stdout.strip().startswith("{")
    for method in ("ours", "popularity", "personal_top", "ours_as_shown"):
        scores = result[method]
        assert isinstance(scores, dict)
        assert {"hit_at_k", "recall_at_k", "ndcg_at_k", "coverage"} <= set(scores)
        assert all(0 <= scores[m] <= 1 for m in ("hit_at_k", "recall_at_k", "ndcg_at_k"))
    assert result["ours_as_shown"]["length"] == 4  # type: ignore[index]
    assert "rules" in result["new_items"]  # type: ignore[operator]


def test_personal_top_matches_a_plain_reading_of_the_protocol():
    customers, hit_rate = naive_personal_top_hit_rate("2011-09-01", 10)
    result, _out = run("--orders", str(SLICE), "--cutoff", "2011-09-01")

    assert result["customers"] == customers
    assert math.isclose(result["personal_top"]["hit_at_k"], round(hit_rate, 4))  # type: ignore[index]


def test_both_uci_column_namings_give_the_same_object(tmp_path):
    header, rows = slice_rows()
    renamed = [II_NAMES.get(h, h) for h in header]
    as_float = [[*r[:6], f"{r[6]}.0" if r[6] else "", *r[7:]] for r in rows]
    ii = write(tmp_path / "ii.csv.gz", renamed, as_float)

    assert (
        run("--orders", str(ii), "--cutoff", "2011-09-01")[0]
        == run("--orders", str(SLICE), "--cutoff", "2011-09-01")[0]
    )


def test_two_files_are_read_as_one_history(tmp_path):
    header, rows = slice_rows()
    early = write(tmp_path / "a.csv.gz", header, [r for r in rows if r[4] < "2011-06"])
    late = write(tmp_path / "b.csv.gz", header, [r for r in rows if r[4] >= "2011-06"])

    split = run("--orders", str(early), "--orders", str(late), "--cutoff", "2011-09-01")[0]

    assert split == run("--orders", str(SLICE), "--cutoff", "2011-09-01")[0]


def test_until_leaves_later_invoices_out():
    everything = run("--orders", str(SLICE), "--cutoff", "2011-09-01")[0]
    october = run("--orders", str(SLICE), "--cutoff", "2011-09-01", "--until", "2011-10-01")[0]

    assert 0 < october["customers"] < everything["customers"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--orders", "/nonexistent.csv.gz", "--cutoff", "2011-09-01"], "No such file"),
        (["--orders", str(SLICE), "--cutoff", "1 Sept"], "--cutoff must be a date"),
        (["--orders", str(SLICE), "--cutoff", "2011-09-01", "--until", "2011-08-01"], "after"),
        (["--orders", str(SLICE), "--cutoff", "2009-01-01"], "nothing to train on"),
    ],
)
def test_bad_input_is_a_clear_error_and_prints_nothing(args, message):
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_next_basket", *args, stdout=out, stderr=io.StringIO())
    assert out.getvalue() == ""


def test_a_file_without_the_columns_is_refused(tmp_path):
    bad = write(tmp_path / "bad.csv.gz", ["order", "sku", "when"], [["1", "A", "2011-01-01"]])
    with pytest.raises(CommandError, match="no column InvoiceNo or Invoice"):
        call_command("evaluate_next_basket", "--orders", str(bad), "--cutoff", "2011-09-01")


def basket(day: int, **quantities: int) -> Basket:
    when = datetime.datetime(2011, 1, 1) + datetime.timedelta(days=day)
    return Basket(customer="ann", placed_at=when, quantities=quantities)


def test_usual_interval_quantity_and_due_on_a_hand_made_history():
    # Tea every 14 days (6, 6, 12, 6 units); a teapot once; mugs twice on the same day.
    history = to_history(
        [
            basket(0, TEA=6, TEAPOT=1),
            basket(14, TEA=6, MUGS=2),
            basket(14, MUGS=4),
            basket(28, TEA=12),
            basket(42, TEA=6),
        ]
    )
    start = days(datetime.datetime(2011, 1, 1))
    early = repeat.repeat_stats(history, now=start + 50)
    late = repeat.repeat_stats(history, now=start + 56)
    by_item = {history.items[i]: n for n, i in enumerate(early.item)}

    tea, teapot, mugs = by_item["TEA"], by_item["TEAPOT"], by_item["MUGS"]
    assert early.interval[tea] == 14
    assert early.quantity[tea] == 6
    assert early.orders[tea] == 4
    assert not early.is_due()[tea] and late.is_due()[tea]  # 8 days < 14 ≤ 14 days
    assert math.isnan(early.interval[teapot]) and not late.is_due()[teapot]
    assert math.isnan(early.interval[mugs])  # the same day is one occasion, not an interval
    assert late.score()[tea] == 2 * late.decayed[tea]  # due items count double
