"""`evaluate_delivery_model --data-dir DIR --test-from YYYY-MM-DD`: ours vs Olist's promises.

Prints exactly one JSON object on stdout (progress goes to stderr); the keys are documented in
docs/delivery.md.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.delivery.evaluation import evaluate
from rapport.delivery.olist_tables import OlistTablesError


def _date(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"--test-from must be YYYY-MM-DD, not {raw!r}") from exc


class Command(BaseCommand):
    help = (
        "Train on Olist orders delivered before --test-from, score the delivered orders "
        "purchased on or after it: MAE, late share and median error, ours vs Olist's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", required=True, type=Path, help="folder of the tables")
        parser.add_argument("--test-from", required=True, help="first purchase day of the test")

    def handle(self, *args: Any, **options: Any) -> None:
        test_from = _date(options["test_from"])
        try:
            result = evaluate(Path(options["data_dir"]), test_from, log=sys.stderr)
        except (OlistTablesError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, sort_keys=False))
