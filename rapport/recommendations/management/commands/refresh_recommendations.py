from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.recommendations import services


class Command(BaseCommand):
    help = "Mine cross-sell rules from order lines (incremental; --full recounts everything)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--full", action="store_true", help="recount every order")
        parser.add_argument(
            "--suggest-bundles", action="store_true", help="also propose bundles to staff"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        state = services.refresh_rules(full=options["full"])
        from rapport.recommendations.models import CategoryRule, ProductRule

        self.stdout.write(
            f"{ProductRule.objects.count()} product rules, {CategoryRule.objects.count()} "
            f"category rules from {state.baskets} baskets"
        )
        if options["suggest_bundles"]:
            created = services.suggest_bundles()
            self.stdout.write(f"{len(created)} bundles suggested")
