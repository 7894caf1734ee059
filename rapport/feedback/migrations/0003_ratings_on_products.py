"""Copy each product's review summary onto the product (its cards show it from there)."""

from django.db import migrations


def copy_summaries(apps, schema_editor):
    RatingSummary = apps.get_model("feedback", "RatingSummary")
    Product = apps.get_model("catalog", "Product")
    for summary in RatingSummary.objects.filter(count__gt=0).iterator():
        Product.objects.filter(pk=summary.product_id).update(
            rating_count=summary.count, rating_average=summary.average
        )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_surveys"),
        ("catalog", "0007_product_rating"),
    ]

    operations = [migrations.RunPython(copy_summaries, migrations.RunPython.noop)]
