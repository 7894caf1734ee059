"""Cut the traffic test slices from the real data sets (see ../README.md).

    .venv/bin/python tests/data/traffic/cut_traffic_slices.py ../shared/datasets

Deterministic: the same source files give byte-identical slices (gzip mtime 0).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cut(source: Path, target: Path, keep: object) -> None:
    with gzip.open(source, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for number, row in enumerate(reader) if keep(header, number, row)]  # type: ignore[operator]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(buffer.getvalue().encode("utf-8"))


def main(datasets: Path) -> None:
    # Whole sessions whose ID is a multiple of 100, in file order.
    cut(
        datasets / "clickstream_eshop" / "e-shop_clothing_2008.csv.gz",
        HERE / "clickstream_slice.csv.gz",
        lambda header, number, row: int(row[header.index("session ID")]) % 100 == 0,
    )
    # Every fourth session, in file order.
    cut(
        datasets / "online_shoppers" / "online_shoppers_intention.csv.gz",
        HERE / "online_shoppers_slice.csv.gz",
        lambda header, number, row: number % 4 == 0,
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
