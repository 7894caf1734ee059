"""Seed the occupation and interest choice lists; give existing records an email contact point."""

from django.db import migrations
from django.utils import timezone

OCCUPATIONS = [
    ("student", "Student", "学生"),
    ("engineer", "Engineer", "工程师"),
    ("teacher", "Teacher", "教师"),
    ("healthcare", "Healthcare worker", "医护人员"),
    ("office", "Office worker", "公司职员"),
    ("manager", "Manager", "管理人员"),
    ("self-employed", "Self-employed", "个体经营"),
    ("civil-servant", "Civil servant", "公务员"),
    ("creative", "Creative / designer", "设计与创意"),
    ("retired", "Retired", "退休"),
    ("homemaker", "Homemaker", "家庭主妇/主夫"),
    ("other", "Other", "其他"),
]

INTERESTS = [
    ("books", "Books", "图书"),
    ("sports", "Sports", "运动"),
    ("home-decor", "Home & decor", "家居装饰"),
    ("cooking", "Cooking", "烹饪"),
    ("gardening", "Gardening", "园艺"),
    ("technology", "Technology", "科技数码"),
    ("fashion", "Fashion", "时尚"),
    ("travel", "Travel", "旅行"),
    ("music", "Music", "音乐"),
    ("kids", "Kids & family", "亲子"),
    ("gifts", "Gifts", "礼品"),
    ("crafts", "Arts & crafts", "手工艺"),
]


def seed(apps, schema_editor):
    Occupation = apps.get_model("customers", "Occupation")
    Interest = apps.get_model("customers", "Interest")
    for position, (slug, name, zh) in enumerate(OCCUPATIONS):
        Occupation.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_zh_hans": zh, "position": position}
        )
    for position, (slug, name, zh) in enumerate(INTERESTS):
        Interest.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_zh_hans": zh, "position": position}
        )
    Customer = apps.get_model("customers", "Customer")
    ContactPoint = apps.get_model("customers", "ContactPoint")
    Consent = apps.get_model("customers", "Consent")
    now = timezone.now()
    for customer in Customer.objects.exclude(email="").iterator():
        point, created = ContactPoint.objects.get_or_create(
            customer=customer, kind="email", value=customer.email.lower(),
            defaults={"is_primary": True},
        )
        if created:
            Consent.objects.create(
                contact_point=point, purpose="transactional", granted=True,
                changed_at=now, source="existing record",
            )


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_profile_contact_points")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
