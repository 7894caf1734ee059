"""Send every due message in the outbox now (what the periodic task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.messaging.services import send_due_messages


class Command(BaseCommand):
    help = "Release held messages the contact budget has room for and send all due messages."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due_messages()
        self.stdout.write(f"Sent {sent} message(s).")
