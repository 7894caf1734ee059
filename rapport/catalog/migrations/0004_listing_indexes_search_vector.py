"""Listing indexes (partial on sellable products, both databases) and, on PostgreSQL only, two
stored search columns generated from the product's text: `name_vector` (the name) and
`search_vector` (name and description), each with a GIN index partial on sellable products.
They replace 0003's expression index, whose vectors PostgreSQL rebuilt for every re-checked and
ranked row. A generated column cannot go stale: every write path (services, imports,
bulk_create, the admin, raw UPDATEs) keeps it current. Neither is a model field, so Django
never selects or writes them; `catalog.search` refers to them by name.

Adding the columns rewrites the product table (about a minute at 300,000 products, under an
exclusive lock). SQLite has no such columns: search there uses the LIKE fallback.
"""

from django.db import migrations, models

SELLABLE = "is_active AND price IS NOT NULL AND price > 0"
FORWARDS = [
    "DROP INDEX IF EXISTS product_search_fts",
    """ALTER TABLE catalog_product
        ADD COLUMN name_vector tsvector GENERATED ALWAYS AS (
            to_tsvector('simple'::regconfig, coalesce(name, ''))
        ) STORED,
        ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(description, ''))
        ) STORED""",
    f"CREATE INDEX product_name_vector ON catalog_product USING gin (name_vector) WHERE {SELLABLE}",
    "CREATE INDEX product_search_vector ON catalog_product USING gin (search_vector) "
    f"WHERE {SELLABLE}",
]
BACKWARDS = [
    "ALTER TABLE catalog_product DROP COLUMN name_vector, DROP COLUMN search_vector",
    """CREATE INDEX product_search_fts ON catalog_product USING gin (
        to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(description, ''))
    )""",
]


def add_search_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARDS:
            schema_editor.execute(statement)


def drop_search_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_search_indexes'),
    ]

    operations = [
        migrations.RunPython(add_search_columns, drop_search_columns),
        migrations.RemoveIndex(
            model_name='product',
            name='catalog_pro_categor_915692_idx',
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('is_active', True), ('price__gt', 0), ('price__isnull', False)), fields=['category', 'name', 'id'], name='product_list_cat_name'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('is_active', True), ('price__gt', 0), ('price__isnull', False)), fields=['category', 'price', 'id'], name='product_list_cat_price'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('is_active', True), ('price__gt', 0), ('price__isnull', False)), fields=['category', 'created_at', 'id'], name='product_list_cat_new'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('is_active', True), ('price__gt', 0), ('price__isnull', False)), fields=['name', 'id', 'category'], name='product_list_name'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('is_active', True), ('price__gt', 0), ('price__isnull', False)), fields=['price', 'id', 'category'], name='product_list_price'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(condition=models.Q(('is_active', True), ('price__gt', 0), ('price__isnull', False)), fields=['created_at', 'id', 'category'], name='product_list_new'),
        ),
    ]
