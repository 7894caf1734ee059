"""Retire every record whose contact points have all failed (the daily job, by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.customers.services import retire_unreachable_customers


class Command(BaseCommand):
    help = "Retire customer records whose every contact point has failed."

    def handle(self, *args: Any, **options: Any) -> None:
        count = retire_unreachable_customers()
        self.stdout.write(f"Retired {count} record(s).")
