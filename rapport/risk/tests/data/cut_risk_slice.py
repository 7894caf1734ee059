"""Cut `online_retail_risk_slice.csv.gz`: every row of 20 chosen customers of Online Retail.

    python rapport/risk/tests/data/cut_risk_slice.py ../shared/datasets

The customers have cancellation invoices before and after 2011-09-01, matched and unmatched, so
the labelling rule and the evaluation command can be checked by hand (test_labelling.py).
Rows are copied unchanged in file order; gzip mtime 0, so the output is byte-identical each time.
"""

import csv
import gzip
import io
import sys
from pathlib import Path

CUSTOMERS = {
    "14441", "15100", "14339", "16499", "15468", "12616", "14910", "15473", "17526", "12679",
    "13662", "15625", "16554", "15201", "12457", "17204", "16362", "17063", "13282", "15215",
}  # fmt: skip


def main(root: str) -> None:
    source = Path(root) / "online_retail" / "online_retail_2010_2011.csv.gz"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    with gzip.open(source, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        writer.writerow(header)
        column = header.index("CustomerID")
        for row in reader:
            if row[column] in CUSTOMERS:
                writer.writerow(row)
    target = Path(__file__).with_name("online_retail_risk_slice.csv.gz")
    with gzip.GzipFile(target, "wb", mtime=0) as gz:
        gz.write(out.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main(sys.argv[1])
