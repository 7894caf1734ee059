"""`evaluate_credit_rating TEST.csv.gz [--train TRAIN.csv.gz]`: one JSON object on stdout.

Trains the repayment model on the shared UCI file (or `--train`), scores TEST and prints
`roc_auc`, `ks`, `brier` and, per grade A to E, the share of customers and their default rate.
Progress goes to stderr. See `rapport.credit.scoring.evaluate` for how an overlap between the
two files (or TEST being the training file) is handled.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rapport.credit import scoring


def default_training_file() -> Path:
    return (
        Path(settings.RAPPORT_DATA_DIR)
        / "credit_default"
        / ("default_of_credit_card_clients.csv.gz")
    )


class Command(BaseCommand):
    help = "Evaluate the credit rating's repayment model on a file with the UCI credit columns."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("test", type=Path, help="CSV (.csv or .csv.gz) to score")
        parser.add_argument("--train", type=Path, default=None, help="CSV to train on")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        train_path = options["train"] or default_training_file()
        started = time.monotonic()
        try:
            train = scoring.read_table(train_path)
            test = scoring.read_table(options["test"])
            self.stderr.write(f"training rows {train.rows}, test rows {test.rows}")
            result = scoring.evaluate(train, test, seed=options["seed"])
        except scoring.CreditDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"done in {time.monotonic() - started:.1f} s")
        self.stdout.write(json.dumps(result))
