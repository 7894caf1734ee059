"""The inbound SMTP endpoint of the support address (docs/support.md: MX or forwarding)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Receive customer mail over SMTP: answer from the knowledge base or open a case. "
        "See docs/support.md for pointing an MX record or a forwarding rule at it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2526)

    def handle(self, *args: Any, **options: Any) -> None:
        from rapport.support.smtp import start_server

        controller = start_server(host=options["host"], port=options["port"])
        self.stdout.write(f"Support inbox listening on {options['host']}:{options['port']}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
