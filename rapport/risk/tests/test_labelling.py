"""The labelling rule, checked by hand on real cancellation invoices of Online Retail, and the
evaluation command's contract (one JSON object on stdout, both UCI namings)."""

import csv
import gzip
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rapport.risk.retail import read_invoices

SLICE = Path(__file__).parent / "data" / "online_retail_risk_slice.csv.gz"


@pytest.fixture(scope="module")
def invoices():
    return {i.number: i for i in read_invoices([SLICE])}


def test_each_cancellation_is_charged_to_the_latest_earlier_sale_with_its_code(invoices):
    # Customer 15100 bought VICTORIAN SEWING BOX LARGE (21258) three times and sent some back
    # 6, 8 and 3 days after each purchase (C537656, C539260, C541117).
    assert invoices["536374"].cancelled_at == [datetime(2010, 12, 7, 16, 21)]
    assert invoices["537767"].cancelled_at == [datetime(2010, 12, 16, 14, 32)]
    assert invoices["540563"].cancelled_at == [datetime(2011, 1, 13, 17, 9)]
    assert [s.number for s in invoices["C537656"].matched] == ["536374"]


def test_several_cancellations_of_one_sale_and_postage_ignored(invoices):
    # 14339's order 549596 (2011-04-11) lost lip gloss, then magnets twice; C550540 also
    # refunds postage (POST), which is not a product line and matches nothing.
    sale = invoices["549596"]
    assert sale.label() == 1
    assert len(sale.cancelled_at) == 3
    assert "POST" not in invoices["C550540"].lines
    assert [s.number for s in invoices["C550540"].matched] == ["549596"]


def test_cancellation_without_an_earlier_sale_of_its_code_labels_nothing(invoices):
    # 16499: C538091 comes before any sale of theirs in the file; C538876 cancels 22272, which
    # they never bought, so 538850 (bought the same day) stays negative; C538700 cancels 85066
    # of 538187.
    assert invoices["C538091"].matched == []
    assert invoices["C538876"].matched == []
    assert invoices["538850"].label() == 0
    assert invoices["538187"].label() == 1


def test_training_labels_ignore_cancellations_after_the_cutoff(invoices):
    sale = invoices["540563"]
    assert sale.label(known_before=datetime(2011, 1, 13)) == 0
    assert sale.label(known_before=datetime(2011, 1, 14)) == 1


def _run(*paths, cutoff="2011-09-01"):
    out, err = io.StringIO(), io.StringIO()
    args = [a for p in paths for a in ("--orders", str(p))]
    call_command("evaluate_order_risk", *args, "--cutoff", cutoff, stdout=out, stderr=err)
    return out.getvalue()


def test_command_prints_one_json_object_with_the_contract_keys():
    result = json.loads(_run(SLICE))
    assert {"invoices", "positives", "roc_auc", "pr_auc", "recall_at_5pct_fpr"} <= set(result)
    assert set(result["baseline"]) == {"roc_auc", "pr_auc", "recall_at_5pct_fpr"}
    invoices = read_invoices([SLICE])
    after = [i for i in invoices if not i.is_cancellation and i.placed_at >= datetime(2011, 9, 1)]
    assert result["invoices"] == len(after)
    assert result["positives"] == sum(i.label() for i in after)
    assert 0 < result["positives"] < result["invoices"]
    assert 0.0 <= result["roc_auc"] <= 1.0


def _renamed(tmp_path):
    """The slice with Online Retail II's column names (Invoice, Price, Customer ID as float)."""
    target = tmp_path / "online_retail_II.csv.gz"
    with gzip.open(SLICE, "rt", newline="") as src, gzip.open(target, "wt", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        header = next(reader)
        rename = {"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"}
        writer.writerow([rename.get(h, h) for h in header])
        column = header.index("CustomerID")
        for row in reader:
            row[column] = f"{row[column]}.0" if row[column] else ""
            writer.writerow(row)
    return target


def test_both_uci_namings_give_the_same_result(tmp_path):
    assert json.loads(_run(_renamed(tmp_path))) == json.loads(_run(SLICE))


def test_the_same_invoices_in_two_files_are_counted_once(tmp_path):
    assert json.loads(_run(SLICE, _renamed(tmp_path))) == json.loads(_run(SLICE))


def test_a_file_with_other_columns_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv.gz"
    with gzip.open(bad, "wt") as handle:
        handle.write("a,b\n1,2\n")
    with pytest.raises(CommandError, match="expected Online Retail columns"):
        _run(bad)


def test_a_bad_cutoff_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _run(SLICE, cutoff="01/09/2011")
