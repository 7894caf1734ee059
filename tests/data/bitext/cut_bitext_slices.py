"""Cut the two small Bitext slices the support tests train and evaluate on (deterministic).

    .venv/bin/python tests/data/bitext/cut_bitext_slices.py ../shared/datasets

utterances_slice.csv.gz: the first 40 rows of each intent of customer_support_utterances
(columns flags, utterance, category, intent; spelling `check_invoices`); llm_slice.csv.gz: the
first 6 rows of each intent of customer_support_llm (all its columns; `check_invoice`).
Values unchanged, original row order, gzip mtime 0.
"""

import csv
import gzip
import io
import sys
from collections import Counter
from pathlib import Path


def cut(source: Path, target: Path, per_intent: int) -> None:
    with gzip.open(source, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        seen: Counter[str] = Counter()
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
        writer.writeheader()
        for row in reader:
            if seen[row["intent"]] < per_intent:
                seen[row["intent"]] += 1
                writer.writerow(row)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(out.getvalue().encode())


if __name__ == "__main__":
    base = Path(sys.argv[1]) / "bitext_support"
    here = Path(__file__).resolve().parent
    cut(base / "customer_support_utterances.csv.gz", here / "utterances_slice.csv.gz", 40)
    cut(base / "customer_support_llm.csv.gz", here / "llm_slice.csv.gz", 6)
