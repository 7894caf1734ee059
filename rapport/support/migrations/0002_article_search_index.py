"""Full-text index for knowledge-base search on PostgreSQL (SQLite searches without one).

A GIN index on the stored `search_vector` (title weight A, text weight B), filled here for
existing rows. Not declared in the model's Meta because SQLite cannot create a GIN index.
"""

from django.db import migrations

INDEX = "support_article_search_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE support_article SET search_vector = "
        "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
        "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'B')"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON support_article USING gin (search_vector)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
