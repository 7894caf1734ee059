from typing import Any

from django.core.management.base import BaseCommand

from rapport.configurator.demo import create_demo_laptop


class Command(BaseCommand):
    help = "Create the demo's configurable laptop (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        conf = create_demo_laptop()
        self.stdout.write(f"Configurable laptop: {conf.product.name} ({conf.product.sku})")
