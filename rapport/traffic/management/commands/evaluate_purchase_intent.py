"""`manage.py evaluate_purchase_intent --sessions FILE.csv.gz`: the purchase-intent models' ROC-AUC
and PR-AUC on a stratified 75/25 split (seed 0) of the Online Shoppers sessions, as one JSON
object (see rapport/traffic/intent.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.traffic.intent import SessionsFileError, evaluate

DEFAULT = Path("../shared/datasets/online_shoppers/online_shoppers_intention.csv.gz")


class Command(BaseCommand):
    help = "Evaluate the purchase-intent models on the Online Shoppers sessions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sessions", type=Path, default=DEFAULT)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = evaluate(options["sessions"])
        except SessionsFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result))
