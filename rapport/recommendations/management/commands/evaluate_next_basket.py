"""`evaluate_next_basket`: the next-basket model against popularity and personal baselines.

Contract (kept exactly; run later on other files): `--orders FILE.csv.gz` (repeatable, either UCI
column naming), `--cutoff YYYY-MM-DD`, optional `--until YYYY-MM-DD` (default: end of data) and
`--k` (default 10). One JSON object on stdout, nothing else; progress on stderr.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.recommendations import next_basket_eval
from rapport.recommendations.baskets import BasketFileError, read_online_retail


def _date(value: str, name: str) -> datetime.datetime:
    try:
        return datetime.datetime.combine(datetime.date.fromisoformat(value), datetime.time())
    except ValueError as exc:
        raise CommandError(f"{name} must be a date like 2011-09-01, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Next-basket evaluation on a time split: hit/recall/nDCG@k and coverage of our model, "
        "popularity and the customer's own most-bought items, and of the storefront block as "
        "shown. Prints one JSON object."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--orders", action="append", required=True, help="Online Retail .csv.gz (repeatable)"
        )
        parser.add_argument("--cutoff", required=True, help="YYYY-MM-DD: train before, test from")
        parser.add_argument("--until", help="YYYY-MM-DD: test before (default: end of data)")
        parser.add_argument("--k", type=int, default=10, help="list length (default 10)")

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = _date(options["cutoff"], "--cutoff")
        until = _date(options["until"], "--until") if options["until"] else None
        if until is not None and until <= cutoff:
            raise CommandError("--until must be after --cutoff")
        if options["k"] < 1:
            raise CommandError("--k must be at least 1")

        def progress(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        try:
            progress("reading " + ", ".join(options["orders"]))
            baskets = read_online_retail(Path(p) for p in options["orders"])
        except BasketFileError as exc:
            raise CommandError(str(exc)) from exc
        if not any(b.placed_at < cutoff and b.customer for b in baskets):
            raise CommandError("No customer's sale invoice before --cutoff: nothing to train on")
        result = next_basket_eval.evaluate(
            baskets, cutoff=cutoff, until=until, k=options["k"], progress=progress
        )
        self.stdout.write(json.dumps(result))
