from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.content.setup import ensure_content_site


class Command(BaseCommand):
    help = (
        "Create the content tree (Home, News, Stories), the Writer/Editor roles and the review "
        "workflow."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        home = ensure_content_site()
        self.stdout.write(f"Content site ready (home page {home.pk}).")
