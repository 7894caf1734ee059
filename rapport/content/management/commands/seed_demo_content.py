from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.content.demo import DEMO_ACCOUNTS, seed_demo_content


class Command(BaseCommand):
    help = "Create demo news items and a product story (idempotent), and demo content accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_demo_content()
        self.stdout.write(f"Demo content: {len(created)} page(s) created.")
        for email, password, role, _name in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<9} {email:<30} password: {password}")
