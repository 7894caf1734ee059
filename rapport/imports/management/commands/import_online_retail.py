"""manage.py import_online_retail PATH — see docs/data-import.md."""

from rapport.imports.command import importer_command
from rapport.imports.online_retail import import_online_retail

Command = importer_command(
    import_online_retail,
    help_text=(
        "Import the UCI Online Retail invoice lines (online_retail_2010_2011.csv.gz): products, "
        "derived categories, customers, orders and credit notes. Safe to run again."
    ),
    source_help="online_retail_2010_2011.csv.gz",
)
