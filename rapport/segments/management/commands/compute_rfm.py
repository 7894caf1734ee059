"""Recompute RFM scores for every customer (and, unless told not to, refresh rule segments)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from rapport.segments.services import compute_rfm, refresh_segments


class Command(BaseCommand):
    help = "Recompute RFM scores in the database and re-materialise rule segments."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-segments", action="store_true", help="Only RFM; leave memberships as they are."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rows = compute_rfm()
        self.stdout.write(f"RFM: {rows} customers scored in {time.perf_counter() - started:.2f} s")
        if not options["no_segments"]:
            started = time.perf_counter()
            counts = refresh_segments()
            for name, count in counts.items():
                self.stdout.write(f"  {name}: {count} members")
            self.stdout.write(
                f"Segments: {len(counts)} refreshed in {time.perf_counter() - started:.2f} s"
            )
