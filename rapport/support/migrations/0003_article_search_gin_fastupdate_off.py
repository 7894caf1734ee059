"""Knowledge-base search index without a pending list (PostgreSQL only).

With GIN's default `fastupdate`, new and changed vectors wait in an unsorted pending list that
every search scans in full until (auto)vacuum merges it: after seeding or importing 10,000
articles that was 20,000 entries and ~50 ms a query (docs/performance.md, issue 23). Articles
are written rarely and searched often, so writes now go straight into the index, and whatever
is pending is merged here.
"""

from django.db import migrations

INDEX = "support_article_search_gin"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} SET (fastupdate = off)")
    schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("support", "0002_article_search_index")]

    operations = [migrations.RunPython(forward, backward)]
