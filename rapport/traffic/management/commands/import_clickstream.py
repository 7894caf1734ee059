"""`manage.py import_clickstream [FILE.csv.gz]`: load the e-shop clothing 2008 clickstream as demo
traffic (replaces earlier demo visits; the site's own visits are kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.traffic.clickstream import ClickstreamFileError, load

DEFAULT = Path("../shared/datasets/clickstream_eshop/e-shop_clothing_2008.csv.gz")


class Command(BaseCommand):
    help = "Load the e-shop clothing 2008 clickstream as demo traffic."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            visits, views = load(options["path"])
        except ClickstreamFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{visits} visits, {views} page views loaded")
