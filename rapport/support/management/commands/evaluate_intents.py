"""Evaluate the intent classifier on a labelled file; one JSON object on stdout.

    manage.py evaluate_intents TEST.csv.gz [--train TRAIN.csv.gz ...]

TEST and TRAIN have the Bitext columns (`instruction` or `utterance`, and `intent`).
Without --train the model is trained on the two shared Bitext sets. Either way any text that
is also in TEST is dropped from training, so no text is on both sides. Progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.support.intents.data import DataError, read_all, read_examples, shared_files
from rapport.support.intents.evaluation import evaluate


class Command(BaseCommand):
    help = "Evaluate the support-intent classifier (macro-F1, accuracy, auto-answer figures)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("test", type=Path, help="labelled CSV (.csv or .csv.gz)")
        parser.add_argument(
            "--train", type=Path, nargs="+", action="extend", default=None, help="training CSVs"
        )
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="auto-answer threshold (default: RAPPORT_AUTO_ANSWER_THRESHOLD when set, else "
            "the thresholds the model chose on its validation split)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = options["threshold"]
        started = time.monotonic()
        try:
            test_set = read_examples(options["test"])
            train_paths = options["train"] or shared_files()
            train_set = read_all(train_paths)
        except DataError as exc:
            raise CommandError(str(exc)) from exc
        print(
            f"Training on {len(train_set)} rows from {len(train_paths)} file(s), "
            f"testing on {len(test_set)} …",
            file=sys.stderr,
        )
        try:
            result = evaluate(test_set, train_set, threshold=threshold)
        except ValueError as exc:  # nothing (or one intent) left to train on
            raise CommandError(f"Cannot train: {exc}") from exc
        result["seconds"] = round(time.monotonic() - started, 1)
        self.stdout.write(json.dumps(result, sort_keys=True))
