"""The shared shape of the import commands: one source argument, a report folder, a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.imports.csvfiles import ImportFileError
from rapport.imports.report import ImportReport


class ImportCommand(BaseCommand):
    """Subclasses name their importer, its source argument and the argument's help."""

    source_help: ClassVar[str] = ""

    def run_import(self, source: Path, **kwargs: Any) -> ImportReport:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help=self.source_help)
        parser.add_argument(
            "--report-dir",
            default=str(Path(settings.VAR_DIR) / "import-reports"),
            help="where the CSVs of reported rows go (default: var/import-reports)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = self.run_import(
                Path(options["source"]),
                report_dir=Path(options["report_dir"]),
                progress=not options["no_progress"] and options["verbosity"] > 0,
                progress_file=sys.stderr,
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            for line in report.summary_lines():
                self.stdout.write(line)


def importer_command(
    importer: Callable[..., ImportReport], help_text: str, source_help: str
) -> type:
    """A management command class that runs `importer` on its one source argument."""

    class Command(ImportCommand):
        help = help_text

        def run_import(self, source: Path, **kwargs: Any) -> ImportReport:
            return importer(source, **kwargs)

    Command.source_help = source_help
    return Command
