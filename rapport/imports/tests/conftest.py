from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
ONLINE_RETAIL_SLICE = DATA / "online_retail_slice.csv.gz"
OLIST_SLICE = DATA / "olist"


@pytest.fixture
def run_command(tmp_path: Path):
    """Run an import command quietly; returns its stdout. Reports go to tmp_path/reports."""

    def run(name: str, path: Path, **options: Any) -> str:
        out = StringIO()
        call_command(
            name,
            str(path),
            report_dir=str(tmp_path / "reports"),
            no_progress=True,
            stdout=out,
            stderr=StringIO(),
            **options,
        )
        return out.getvalue()

    return run
