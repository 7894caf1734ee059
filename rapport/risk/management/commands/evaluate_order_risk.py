"""`manage.py evaluate_order_risk --orders FILE.csv.gz [--orders …] --cutoff YYYY-MM-DD`

Learns the order-risk model from the Online Retail sale invoices placed before the cutoff and
scores every sale invoice (with a customer) placed on or after it. Prints one JSON object on
stdout: invoices, positives, roc_auc, pr_auc, recall_at_5pct_fpr and `baseline` (the same three
figures for the customer's past cancellation share). Progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.risk.model import evaluate
from rapport.risk.retail import RetailFileError, read_invoices


class Command(BaseCommand):
    help = "Evaluate the order-risk model on Online Retail invoices split at a cutoff date."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--orders", action="append", required=True, type=Path)
        parser.add_argument("--cutoff", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cutoff = datetime.strptime(options["cutoff"], "%Y-%m-%d")
        except ValueError as exc:
            raise CommandError("--cutoff must be a date, YYYY-MM-DD") from exc
        started = time.monotonic()
        try:
            invoices = read_invoices(options["orders"])
        except RetailFileError as exc:
            raise CommandError(str(exc)) from exc
        print(
            f"read {len(invoices)} invoices in {time.monotonic() - started:.1f}s",
            file=sys.stderr,
        )
        try:
            result = evaluate(invoices, cutoff)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        print(f"done in {time.monotonic() - started:.1f}s", file=sys.stderr)
        self.stdout.write(json.dumps(result))
