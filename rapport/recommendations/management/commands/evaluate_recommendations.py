from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from rapport.recommendations import evaluation
from rapport.recommendations.models import MiningSettings
from rapport.recommendations.queries import current_settings


class Command(BaseCommand):
    help = (
        "Evaluate cross-sell rules on a time split (hit-rate@10, recall@10, coverage) against "
        "popularity and co-occurrence baselines, from the Online Retail .csv.gz or the database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", help="online_retail_2010_2011.csv.gz (else: DB)")
        parser.add_argument("--cutoff", default="2011-10-01", help="train before, test after")
        parser.add_argument("--min-support", type=float)
        parser.add_argument("--min-confidence", type=float)
        parser.add_argument("--min-lift", type=float)
        parser.add_argument("--top-n", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        # Reading the file needs no database: the thresholds are then the defaults unless given.
        config = MiningSettings() if options["path"] else current_settings()
        try:
            cutoff = datetime.datetime.fromisoformat(options["cutoff"]).replace(
                tzinfo=ZoneInfo("Europe/London")
            )
        except ValueError as exc:
            raise CommandError("--cutoff must be a date like 2011-10-01") from exc
        if options["path"]:
            path = Path(options["path"])
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            baskets = evaluation.load_online_retail(path)
        else:
            baskets = evaluation.load_from_database()
        results = evaluation.evaluate(
            baskets,
            cutoff=cutoff,
            min_support=options["min_support"] or float(config.min_support),
            min_confidence=options["min_confidence"]
            if options["min_confidence"] is not None
            else float(config.min_confidence),
            min_lift=options["min_lift"]
            if options["min_lift"] is not None
            else float(config.min_lift),
            top_n=options["top_n"] or config.top_n,
        )
        self.stdout.write(
            f"train baskets {results['train_baskets']}, test customers "
            f"{results['test_customers']}, items {results['items']}, rules {results['rule_count']}"
        )
        self.stdout.write(f"{'method':<14} {'hit@10':>8} {'recall@10':>10} {'coverage':>9}")
        for method in ("popularity", "co_occurrence", "rules"):
            s = results[method]
            assert isinstance(s, evaluation.Scores)
            self.stdout.write(
                f"{method:<14} {s.hit_rate:>8.4f} {s.recall:>10.4f} {s.coverage:>9.4f}"
            )
