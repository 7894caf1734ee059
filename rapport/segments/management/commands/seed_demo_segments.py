"""Create the demo segments (Champions, Party planners, Bakers, Students) on the real catalogue."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.segments.demo import seed_demo_segments
from rapport.segments.services import compute_rfm


class Command(BaseCommand):
    help = "Compute RFM and create the demo segments with their home-page blocks (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = compute_rfm()
        created = seed_demo_segments()
        self.stdout.write(
            f"RFM scored {rows} customers; demo segments created: {created or 'none'}"
        )
