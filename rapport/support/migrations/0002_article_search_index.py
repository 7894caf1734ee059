"""Full-text index for knowledge-base search on PostgreSQL (SQLite searches without one).

The expression is exactly the one `support.queries.search_articles` filters on, so the planner
uses the index. Not declared in the model's Meta because SQLite cannot create a GIN index.
"""

from django.db import migrations

INDEX = "support_article_search_gin"
EXPRESSION = (
    "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(body, ''))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON support_article USING gin ({EXPRESSION})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
