"""Full-text index for Q&A search on PostgreSQL (SQLite searches without one), and the first
topics customers can ask under (staff can add more in the admin later; names in both languages).

Not declared in the model's Meta because SQLite cannot create a GIN index.
"""

from django.db import migrations

INDEX = "community_question_search_gin"

TOPICS = [
    (
        "delivery",
        "Delivery",
        "配送",
        "Shipping times, costs and tracking",
        "配送时间、运费和物流追踪",
    ),
    ("gifts", "Gifts", "礼品", "Gift ideas, wrapping and messages", "礼品建议、包装和贺卡留言"),
    (
        "wholesale",
        "Wholesale",
        "批发",
        "Buying in quantity for a shop or an event",
        "为店铺或活动批量采购",
    ),
    (
        "returns",
        "Returns and refunds",
        "退货与退款",
        "Sending things back and getting your money",
        "退回商品并获得退款",
    ),
    (
        "care",
        "Care and materials",
        "保养与材质",
        "What things are made of and how to look after them",
        "商品材质及保养方法",
    ),
]


def create(apps, schema_editor):
    Topic = apps.get_model("community", "Topic")
    for position, (slug, name, name_zh, text, text_zh) in enumerate(TOPICS):
        Topic.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "name_zh_hans": name_zh,
                "description": text,
                "description_zh_hans": text_zh,
                "position": position,
            },
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON community_question USING gin (search_vector)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
