"""`manage.py train_purchase_intent [--sessions FILE.csv.gz]`: fit the live purchase-intent model
on every Online Shoppers session and store it under var/ (purchase_intent.pkl)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.traffic.intent import SessionsFileError, model_path, train
from rapport.traffic.management.commands.evaluate_purchase_intent import DEFAULT


class Command(BaseCommand):
    help = "Train the live purchase-intent model and store it under var/."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sessions", type=Path, default=DEFAULT)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            train(options["sessions"])
        except SessionsFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"purchase-intent model written to {model_path()}")
