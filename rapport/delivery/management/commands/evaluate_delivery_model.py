"""Score our promised dates against Olist's own on a time-based split of the excerpt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from rapport.delivery import services


class Command(BaseCommand):
    help = "Evaluate the delivery-date model: MAE (days) and late share, ours vs Olist's."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--path", type=Path, default=None, help="orders CSV (.csv or .csv.gz)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.evaluate(path=options["path"])
        ours, olist, checkout = result.ours, result.olist, result.params.checkout
        self.stdout.write(
            f"Cut {result.cut:%Y-%m-%d}; test orders (bought after the cut): {ours.orders}; "
            f"trained on {result.params.trained_on}"
        )
        self.stdout.write(
            f"Checkout promise: features {checkout.features or ['none']}, quantile {checkout.tau}, "
            f"half-life {checkout.half_life_days or 'none'}, offset {checkout.offset:+.2f} "
            f"(validation late target {result.params.validation_late_target:.2%})"
        )
        self.stdout.write("promise                     MAE(days)  late share")
        self.stdout.write(f"{'ours at checkout':26s}{ours.mae_days:9.2f}  {ours.late_share:10.2%}")
        self.stdout.write(f"{'olist':26s}{olist.mae_days:9.2f}  {olist.late_share:10.2%}")
        ratio = ours.mae_days / olist.mae_days if olist.mae_days else float("nan")
        self.stdout.write(
            f"MAE ratio ours/olist: {ratio:.2f} (goal ≤ 0.50); "
            f"late share goal met: {'yes' if ours.late_share <= olist.late_share else 'no'}"
        )
        if result.ours_handover and result.olist_handover and result.params.handover:
            later, theirs = result.ours_handover, result.olist_handover
            self.stdout.write(
                f"Second promise at carrier hand-over ({later.orders} test orders; features "
                f"{result.params.handover.features or ['none']}, quantile "
                f"{result.params.handover.tau}):"
            )
            self.stdout.write(
                f"ours at hand-over           {later.mae_days:9.2f}  {later.late_share:10.2%}"
            )
            self.stdout.write(
                f"olist (made at checkout)    {theirs.mae_days:9.2f}  {theirs.late_share:10.2%}"
            )
