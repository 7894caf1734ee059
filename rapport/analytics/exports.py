"""A report's tables as CSV or XLSX (openpyxl), from the same `ReportData` the page shows."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

from rapport.analytics.reports import ReportData

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, datetime.date | int | float | str):
        return value
    return str(value)


def to_csv(data: ReportData) -> bytes:
    """Each table under its title, a blank line between tables; UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    for i, table in enumerate(data.tables):
        if i:
            writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([str(label) for _key, label in table.columns])
        for row in table.rows:
            writer.writerow([_cell(row.get(key)) for key, _label in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(data: ReportData) -> bytes:
    """One sheet per table, a header row, numbers as numbers and dates as dates."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for i, table in enumerate(data.tables):
        title = "".join(c for c in table.title if c not in "[]:*?/\\")[:28] or f"Table {i + 1}"
        sheet = book.create_sheet(f"{i + 1} {title}"[:31])
        sheet.append([str(label) for _key, label in table.columns])
        for row in table.rows:
            sheet.append([_cell(row.get(key)) for key, _label in table.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
