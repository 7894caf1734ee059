"""What an import did: counts per entity, and every row it did not take as it was.

Rows are never dropped silently. Each row an importer rejects (or keeps with a missing side, such
as an Olist order whose customer is not in the excerpt) is counted per reason and written to a CSV
under `var/import-reports/`, with its data row number (1 = the first row after the header), the
reason code, the outcome ("rejected" or "kept") and the original fields.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

REJECTED = "rejected"
KEPT = "kept"


@dataclass
class _ReportFile:
    path: Path
    handle: IO[str]
    writer: Any


@dataclass
class ImportReport:
    """Counts and the row-level report of one import run.

    `name` prefixes the report files: `<report_dir>/<name>-<UTC time>-<source file>.csv`.
    `reasons` maps each reason code to the sentence the console summary prints.
    """

    name: str
    report_dir: Path
    reasons: dict[str, str]
    counts: Counter[str] = field(default_factory=Counter)
    issues: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    rows_read: Counter[str] = field(default_factory=Counter)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    _files: dict[str, _ReportFile] = field(default_factory=dict)

    def open_file(self, source: str, columns: list[str]) -> Path:
        """Start the report CSV for one source file (written even when no row is reported)."""
        self.report_dir.mkdir(parents=True, exist_ok=True)
        stamp = self.started.strftime("%Y%m%dT%H%M%S")
        stem = source.removesuffix(".gz").removesuffix(".csv")
        path = self.report_dir / f"{self.name}-{stamp}-{stem}.csv"
        handle = path.open("w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        writer.writerow(["row_number", "reason", "outcome", *columns])
        self._files[source] = _ReportFile(path, handle, writer)
        return path

    def reject(self, source: str, row_number: int, reason: str, row: dict[str, str]) -> None:
        self._write(source, row_number, reason, REJECTED, row)

    def keep(self, source: str, row_number: int, reason: str, row: dict[str, str]) -> None:
        """Report a row that was imported although something it refers to is missing."""
        self._write(source, row_number, reason, KEPT, row)

    def _write(
        self, source: str, row_number: int, reason: str, outcome: str, row: dict[str, str]
    ) -> None:
        if reason not in self.reasons:
            raise KeyError(f"Undocumented import reason: {reason}")
        self.issues[(source, reason, outcome)] += 1
        report = self._files[source]
        report.writer.writerow([row_number, reason, outcome, *row.values()])

    def close(self) -> None:
        for report in self._files.values():
            report.handle.close()

    @property
    def paths(self) -> list[Path]:
        return [report.path for report in self._files.values()]

    def rejected_total(self) -> int:
        return sum(n for (_s, _r, outcome), n in self.issues.items() if outcome == REJECTED)

    def summary_lines(self) -> list[str]:
        """The console summary: rows read, what was created, and rows per reason."""
        lines = [f"{source}: {n:,} rows read" for source, n in self.rows_read.items()]
        lines.extend(f"{label}: {n:,}" for label, n in self.counts.items())
        if self.issues:
            lines.append("Rows reported (reason: count):")
            for (source, reason, outcome), n in sorted(self.issues.items()):
                lines.append(f"  {source} {outcome} {reason}: {n:,} ({self.reasons[reason]})")
        else:
            lines.append("No row was rejected.")
        lines.extend(f"Report: {path}" for path in self.paths)
        return lines
