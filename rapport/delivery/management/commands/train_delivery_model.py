"""Fit the delivery-date model on the Olist orders excerpt and store it as JSON under var/."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from rapport.delivery import services


class Command(BaseCommand):
    help = "Train the delivery-date model (writes RAPPORT_DELIVERY_MODEL_PATH)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--path", type=Path, default=None, help="orders CSV (.csv or .csv.gz)")
        parser.add_argument("--out", type=Path, default=None, help="where to write the JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        params = services.train(path=options["path"], out=options["out"])
        self.stdout.write(
            f"Trained on {params.trained_on} delivered orders; quantile {params.checkout.tau}; "
            f"checkout promise for now: {params.days_for(datetime.datetime.now())} days → "
            f"{options['out'] or services.model_path()}"
        )
