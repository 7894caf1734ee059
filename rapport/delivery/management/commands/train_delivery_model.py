"""Fit the delivery promise model and store it as JSON (RAPPORT_DELIVERY_MODEL_PATH)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.delivery import services
from rapport.delivery.olist_tables import OlistTablesError


class Command(BaseCommand):
    help = (
        "Train the delivery promise model on Olist's tables (--data-dir, default "
        "RAPPORT_DATA_DIR/olist) or on the store's own shipments (--from-store)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None, help="folder of Olist tables")
        parser.add_argument("--from-store", action="store_true", help="the store's own orders")
        parser.add_argument("--out", type=Path, default=None, help="where to write the JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["from_store"]:
            promiser = services.retrain_from_store(out=options["out"])
            if promiser is None:
                raise CommandError("Not retrained: too few delivered orders or no model to extend.")
        else:
            directory = Path(options["data_dir"] or Path(settings.RAPPORT_DATA_DIR) / "olist")
            try:
                promiser = services.train_from_olist(directory, out=options["out"])
            except (OlistTablesError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Trained on {promiser.trained_on} delivered orders ({promiser.source}); late-share "
            f"target {promiser.late_target:.1%} → {options['out'] or services.model_path()}"
        )
