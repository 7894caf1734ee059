"""Streaming the gzipped CSV files: header checks first, then one row at a time."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm


class ImportFileError(Exception):
    """A file that cannot be imported at all (missing, unreadable, wrong header)."""


def check_header(path: Path, expected: list[str]) -> None:
    """Fail before anything is written when the file is missing or its header is not `expected`."""
    if not path.is_file():
        raise ImportFileError(f"File not found: {path}")
    try:
        with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"Cannot read {path} as gzip-compressed UTF-8 CSV: {exc}") from exc
    if header is None:
        raise ImportFileError(f"{path} is empty: expected the header {','.join(expected)}")
    if header != expected:
        raise ImportFileError(
            f"{path} has the header {','.join(header)!r}; expected {','.join(expected)!r}"
        )


@contextmanager
def progress_bar(
    *, enabled: bool, desc: str, total: int | None, file: IO[str] | None
) -> Iterator[Any]:
    """A tqdm bar on stderr, or a silent stand-in (tests, --no-progress)."""
    bar = tqdm(
        total=total,
        desc=desc,
        unit=" rows",
        unit_scale=True,
        disable=not enabled,
        file=file,
        mininterval=0.5,
    )
    try:
        yield bar
    finally:
        bar.close()


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (data row number, row) for a gzipped CSV; row 1 is the first row after the header.

    Quoted fields may span lines (Olist reviews); the number counts records, not physical lines.
    """
    with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=1):
            if None in row:
                # More fields than the header names: keep them visible in the report.
                extra = row.pop(None)
                row["_extra"] = ",".join(extra)
            yield number, row
