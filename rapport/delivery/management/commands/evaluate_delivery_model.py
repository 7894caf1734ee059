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
        ours, olist, params = services.evaluate(path=options["path"])
        self.stdout.write(f"Test orders (bought after the cut): {ours.orders}")
        self.stdout.write(f"Chosen quantile: {params.quantile} (trained on {params.trained_on})")
        self.stdout.write("promise  MAE(days)  late share")
        self.stdout.write(f"ours     {ours.mae_days:9.2f}  {ours.late_share:10.2%}")
        self.stdout.write(f"olist    {olist.mae_days:9.2f}  {olist.late_share:10.2%}")
        ratio = ours.mae_days / olist.mae_days if olist.mae_days else float("nan")
        self.stdout.write(
            f"MAE ratio ours/olist: {ratio:.2f} (goal ≤ 0.50); "
            f"late share goal met: {'yes' if ours.late_share <= olist.late_share else 'no'}"
        )
