"""Train the support-intent model and store it (RAPPORT_INTENT_MODEL_PATH, under var/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.support.intents import model
from rapport.support.intents.data import DataError


class Command(BaseCommand):
    help = "Train the intent classifier on the Bitext sets (or the given files) and store it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", type=Path, nargs="*", help="labelled CSVs (default: shared)")
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = model.train_and_save(options["paths"] or None, path=options["output"])
        except (DataError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Intent model stored at {path}")
