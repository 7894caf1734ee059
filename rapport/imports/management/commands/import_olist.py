"""manage.py import_olist DIR — see docs/data-import.md."""

from rapport.imports.command import importer_command
from rapport.imports.olist import import_olist

Command = importer_command(
    import_olist,
    help_text=(
        "Import the Olist marketplace files in DIR: sellers, customers, categories, products, "
        "orders with lines, payments and reviews. Safe to run again."
    ),
    source_help="the folder holding the Olist .csv.gz files",
)
