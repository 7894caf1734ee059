"""An SMTP server (aiosmtpd) that receives bounce reports (DSNs) for the envelope sender."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Receive delivery status notifications over SMTP and update the customer record. "
        "See docs/messaging.md for running it behind the MX of the bounce domain."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, **options: Any) -> None:
        from aiosmtpd.controller import Controller

        from rapport.messaging.bounces import BounceHandler

        controller = Controller(
            BounceHandler(),
            hostname=options["host"],
            port=options["port"],
            data_size_limit=10_485_760,
        )
        controller.start()
        self.stdout.write(f"Bounce server listening on {options['host']}:{options['port']}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
