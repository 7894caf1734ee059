"""Cut `next_basket_slice.csv.gz`: every row of 20 Online Retail customers who ordered both
before and after 2011-09-01 (deterministic: the 20 smallest customer ids with 4 to 12 sale
invoices, rows in file order, gzip mtime 0).

    .venv/bin/python tests/data/cut_next_basket_slice.py ../shared/datasets
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import defaultdict
from pathlib import Path

CUTOFF = "2011-09-01"

source = Path(sys.argv[1]) / "online_retail" / "online_retail_2010_2011.csv.gz"
with gzip.open(source, "rt", newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle)
    header = next(reader)
    rows = list(reader)
invoices: dict[str, set[str]] = defaultdict(set)
before: set[str] = set()
after: set[str] = set()
for row in rows:
    invoice, date, customer = row[0], row[4], row[6]
    if customer and invoice.isdigit():
        invoices[customer].add(invoice)
        (before if date < CUTOFF else after).add(customer)
chosen = sorted(c for c in before & after if 4 <= len(invoices[c]) <= 12)[:20]
keep = set(chosen)
out = io.StringIO()
writer = csv.writer(out, lineterminator="\n")
writer.writerow(header)
writer.writerows(row for row in rows if row[6] in keep)
target = Path(__file__).with_name("next_basket_slice.csv.gz")
with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
    gz.write(out.getvalue().encode("utf-8"))
print(f"{target}: {len(chosen)} customers")
