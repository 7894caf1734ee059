"""Purchase histories read from Online Retail files (either UCI column naming), as arrays.

A history is one row per (customer, day) with the net amount spent that day (credit notes
subtract). Rows are classified by the importer's own rule table (`classify_row`), so what counts
as a sale here is exactly what the store imports.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rapport.imports.online_retail import COLUMNS, COLUMNS_II, RENAMES_II, classify_row

EPOCH = datetime.date(1970, 1, 1)


class HistoryError(ValueError):
    """A file that is not an Online Retail file (unreadable, other columns, no customer lines)."""


@dataclass
class History:
    """Per (customer, day) net spend. `customer` indexes `customer_ids`; `day` is days since
    1970-01-01; `amount` is in the file's currency; `lines` and `credit` count lines and
    credit-note lines that day."""

    customer_ids: list[str]
    customer: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    lines: np.ndarray
    credit: np.ndarray
    uk: np.ndarray  # per customer: 1 when the customer's country is the United Kingdom

    @property
    def first_day(self) -> int:
        return int(self.day.min())

    @property
    def last_day(self) -> int:
        return int(self.day.max())


def day_number(value: datetime.date) -> int:
    return (value - EPOCH).days


def _rows(path: Path) -> Iterator[dict[str, str]]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            text = handle.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: cannot read ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if header == COLUMNS:
        renames: dict[str, str] = {}
    elif header == COLUMNS_II:
        renames = RENAMES_II
    else:
        raise HistoryError(
            f"{path}: header {','.join(header)!r} is neither {','.join(COLUMNS)!r} "
            f"nor {','.join(COLUMNS_II)!r}"
        )
    for row in reader:
        if renames:
            row = {renames.get(k, k): v for k, v in row.items() if k is not None}
        yield row


def _customer_ref(raw: str) -> str:
    ref = raw.strip()
    return ref[:-2] if ref.endswith(".0") and ref[:-2].isdigit() else ref


def read_history(paths: Iterable[Path]) -> History:
    """Read and merge files; lines without a customer are left out (guests cannot be scored).

    Raises `HistoryError` for a file with other columns, or when no line names a customer.
    """
    dates: dict[str, datetime.datetime] = {}
    daily: dict[tuple[str, int], list[float]] = {}
    countries: dict[str, str] = {}
    for path in paths:
        for row in _rows(Path(path)):
            line = classify_row(row, dates)
            if isinstance(line, str):
                continue
            ref = _customer_ref(line.customer_ref)
            if not ref:
                continue
            key = (ref, day_number(line.placed_at.date()))
            cell = daily.setdefault(key, [0.0, 0.0, 0.0])
            cell[0] += float(line.unit_price) * line.quantity
            cell[1] += 1
            cell[2] += 1 if line.is_credit_note else 0
            countries[ref] = line.country
    if not daily:
        raise HistoryError("no line with a customer id in the given files")
    ids = sorted({ref for ref, _ in daily})
    index = {ref: i for i, ref in enumerate(ids)}
    keys = list(daily)
    values = np.array([daily[k] for k in keys], dtype=float)
    return History(
        customer_ids=ids,
        customer=np.array([index[ref] for ref, _ in keys], dtype=np.int64),
        day=np.array([d for _, d in keys], dtype=np.int64),
        amount=values[:, 0],
        lines=values[:, 1],
        credit=values[:, 2],
        uk=np.array([countries.get(ref) == "United Kingdom" for ref in ids], dtype=float),
    )
