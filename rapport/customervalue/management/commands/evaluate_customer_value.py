"""`evaluate_customer_value --orders FILE.csv.gz [--orders …] --cutoff YYYY-MM-DD
[--horizon-days 365]`: one JSON object on stdout, progress on stderr."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.customervalue import model
from rapport.customervalue.history import HistoryError, day_number, read_history


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--cutoff must be YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = "Evaluate the customer-value model against last-period spend and BG/NBD+Gamma-Gamma."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--orders", type=Path, action="append", required=True)
        parser.add_argument("--cutoff", type=_date, required=True)
        parser.add_argument("--horizon-days", type=int, default=365)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["horizon_days"] <= 0:
            raise CommandError("--horizon-days must be positive")
        started = time.monotonic()
        try:
            history = read_history(options["orders"])
            self.stderr.write(
                f"{len(history.customer_ids)} customers, {len(history.day)} customer-days read "
                f"in {time.monotonic() - started:.1f} s"
            )
            result = model.evaluate(history, day_number(options["cutoff"]), options["horizon_days"])
        except (HistoryError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        result["cutoff"] = options["cutoff"].isoformat()
        self.stderr.write(f"done in {time.monotonic() - started:.1f} s")
        self.stdout.write(json.dumps(result))
