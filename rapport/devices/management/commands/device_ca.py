"""Print a new CA key (`--new-key`) or the current CA certificate (`--certificate`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.devices.ca import CertificateAuthorityMissing, authority, new_key_pem


class Command(BaseCommand):
    help = "The device certificate authority: make a key, or show its certificate (rotation)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--new-key", action="store_true", help="print a new Ed25519 CA key")
        group.add_argument(
            "--certificate", action="store_true", help="print the current CA certificate"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key_pem(), ending="")
            return
        try:
            self.stdout.write(authority().certificate_pem, ending="")
        except CertificateAuthorityMissing as exc:
            raise CommandError(str(exc)) from exc
