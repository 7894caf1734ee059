"""Reading labelled support requests (the two Bitext releases' column namings)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

TEXT_COLUMNS = ("instruction", "utterance")
# The two releases spell one intent differently; the LLM release's spelling is ours.
INTENT_ALIASES = {"check_invoices": "check_invoice"}
SHARED_FILES = (
    Path("bitext_support") / "customer_support_llm.csv.gz",
    Path("bitext_support") / "customer_support_utterances.csv.gz",
)


class DataError(Exception):
    """A file that cannot be read as labelled support requests."""


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def canonical_intent(intent: str) -> str:
    intent = intent.strip().lower()
    return INTENT_ALIASES.get(intent, intent)


def text_key(text: str) -> str:
    """The identity of a text for splits and de-duplication: case and spacing ignored."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()  # noqa: S324


def read_examples(path: Path) -> list[Example]:
    """Rows of a CSV (plain or .gz) with `instruction` or `utterance` and `intent` columns.

    Raises DataError for a missing file or columns; rows with an empty text or intent are
    skipped (the files have none).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    text_column = next((c for c in TEXT_COLUMNS if c in fields), None)
    if text_column is None or "intent" not in fields:
        raise DataError(f"{path}: needs an 'instruction' or 'utterance' column and 'intent'")
    names = dict(zip(fields, reader.fieldnames or [], strict=True))
    examples = []
    for row in reader:
        text = (row.get(names[text_column]) or "").strip()
        intent = canonical_intent(row.get(names["intent"]) or "")
        if text and intent:
            examples.append(Example(text=text, intent=intent))
    if not examples:
        raise DataError(f"{path}: no labelled rows")
    return examples


def shared_files(data_dir: Path | None = None) -> list[Path]:
    base = Path(data_dir or settings.RAPPORT_DATA_DIR)
    return [base / name for name in SHARED_FILES]


def read_all(paths: Iterable[Path]) -> list[Example]:
    examples: list[Example] = []
    for path in paths:
        examples.extend(read_examples(path))
    return examples


def split_by_hash(
    examples: list[Example], *, test_share: float = 0.2
) -> tuple[list[Example], list[Example]]:
    """A deterministic held-out split by text hash: one text (any case) is never on both sides."""
    cut = int(test_share * 0xFFFF)
    train: list[Example] = []
    test: list[Example] = []
    for example in examples:
        (test if int(text_key(example.text)[:4], 16) < cut else train).append(example)
    return train, test
