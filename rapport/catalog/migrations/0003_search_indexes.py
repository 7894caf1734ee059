"""Search indexes for PostgreSQL only: full-text (GIN over the same tsvector the query builds)
and trigram (GIN, for typo tolerance and autocomplete). SQLite uses a fallback in Python."""

from django.db import migrations


def vector():
    from django.contrib.postgres.search import SearchVector

    return SearchVector("name", "description", config="simple")


def index_list(Product):
    from django.contrib.postgres.indexes import GinIndex, OpClass

    return [
        GinIndex(vector(), name="product_search_fts"),
        GinIndex(OpClass("name", name="gin_trgm_ops"), name="product_name_trgm"),
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    Product = apps.get_model("catalog", "Product")
    for index in index_list(Product):
        schema_editor.add_index(Product, index)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Product = apps.get_model("catalog", "Product")
    for index in index_list(Product):
        schema_editor.remove_index(Product, index)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_image_product_popularity_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
