"""`manage.py train_order_risk --orders FILE.csv.gz [--orders …]`

Learns the "will it stick" model from Online Retail invoices (every sale invoice with a customer,
labelled by the rule of docs/order-risk.md) and writes it to VAR_DIR/risk/order_risk.pkl, where
checkout's `assess_order` picks it up. Prints one JSON summary on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from rapport.risk.model import fit
from rapport.risk.retail import RetailFileError, examples, read_invoices
from rapport.risk.store import model_path


class Command(BaseCommand):
    help = "Train the order-risk model on Online Retail invoices for the store's checkout."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--orders", action="append", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = examples(read_invoices(options["orders"]))
        except RetailFileError as exc:
            raise CommandError(str(exc)) from exc
        if not rows:
            raise CommandError("No sale invoice with a customer: nothing to learn.")
        x = np.asarray([e.features for e in rows])
        y = np.asarray([e.invoice.label() for e in rows])
        model = fit(x, y, trained_on=f"Online Retail, {len(rows)} invoices")
        path = model_path()
        model.save(path)
        self.stdout.write(
            json.dumps({"invoices": len(rows), "positives": int(y.sum()), "path": str(path)})
        )
