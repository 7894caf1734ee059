"""`evaluate_occasions`: mine occasions before a cutoff, score the predicted windows after it.

Prints one JSON object on stdout (progress and timings go to stderr):
{"predictions", "precision", "base_rate", "lift", "recall", "naive": {the same five}, ...}
Definitions: `rapport/campaigns/occasions/evaluation.py` and docs/occasions.md.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.campaigns.occasions import evaluation, mining, reading


class Command(BaseCommand):
    help = (
        "Mine yearly occasions from Online Retail lines before --cutoff and score the predicted "
        "(customer, window) pairs in the horizon against the naive 52-weeks-on baseline."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--orders", action="append", required=True, help="Online Retail .csv(.gz), repeatable"
        )
        parser.add_argument("--cutoff", required=True, help="YYYY-MM-DD: mine before, score from")
        parser.add_argument("--horizon-days", type=int, default=365)
        parser.add_argument("--window-days", type=int, default=14)
        # Optional, beyond the contract: the mining thresholds (defaults in occasions.mining).
        parser.add_argument("--min-strength", type=float, default=mining.MIN_STRENGTH)
        parser.add_argument("--min-unusualness", type=float, default=mining.MIN_UNUSUALNESS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cutoff = datetime.date.fromisoformat(options["cutoff"]).toordinal()
        except ValueError as exc:
            raise CommandError("--cutoff must be a date like 2010-12-10") from exc
        horizon, window = options["horizon_days"], options["window_days"]
        if horizon < 1 or window < 1:
            raise CommandError("--horizon-days and --window-days must be at least 1")
        started = time.perf_counter()
        try:
            purchases, first, _last = reading.read_purchase_days(Path(p) for p in options["orders"])
        except reading.ReadError as exc:
            raise CommandError(str(exc)) from exc
        if first is None:
            raise CommandError("The files hold no lines")
        read_s = time.perf_counter() - started
        history = {c: [d for d in days if d < cutoff] for c, days in purchases.items()}
        history = {c: d for c, d in history.items() if d}
        started = time.perf_counter()
        moments = mining.mine(
            history,
            as_of=cutoff,
            data_start=first.toordinal(),
            settings=mining.Settings(
                window_days=window,
                horizon_days=horizon,
                min_strength=options["min_strength"],
                min_unusualness=options["min_unusualness"],
            ),
        )
        mine_s = time.perf_counter() - started
        ours = {c: [m.date for m in found] for c, found in moments.items()}
        naive = evaluation.naive_predictions(history, cutoff=cutoff, horizon_days=horizon)
        kwargs = {"start": cutoff, "horizon_days": horizon, "window_days": window}
        result: dict[str, Any] = evaluation.score(ours, purchases, **kwargs).as_dict()
        result["naive"] = evaluation.score(naive, purchases, **kwargs).as_dict()
        result["customers_mined"] = len(history)
        print(
            f"read {read_s:.1f}s, mined {len(history)} customers in {mine_s:.2f}s",
            file=sys.stderr,
        )
        self.stdout.write(json.dumps(result, sort_keys=True))
