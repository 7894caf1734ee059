"""`manage.py evaluate_order_risk_olist --cutoff YYYY-MM-DD [--folder ../shared/datasets/olist]`

The order-risk model learned and scored on Olist's orders (labels: `canceled`/`unavailable`,
see rapport/risk/olist.py), split at the cutoff like `evaluate_order_risk`; prints the same JSON
object (invoices, positives, roc_auc, pr_auc, recall_at_5pct_fpr, baseline)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.risk.model import evaluate
from rapport.risk.olist import HOME_STATE, read_olist
from rapport.risk.retail import RetailFileError


class Command(BaseCommand):
    help = "Evaluate the order-risk model on Olist's orders split at a cutoff date."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--folder", type=Path, default=Path("../shared/datasets/olist"))
        parser.add_argument("--cutoff", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cutoff = datetime.strptime(options["cutoff"], "%Y-%m-%d")
        except ValueError as exc:
            raise CommandError("--cutoff must be a date, YYYY-MM-DD") from exc
        try:
            invoices = read_olist(options["folder"])
            result = evaluate(invoices, cutoff, home_country=HOME_STATE)
        except (RetailFileError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result))
