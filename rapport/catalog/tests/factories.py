from decimal import Decimal

import factory
from django.utils.text import slugify

from rapport.catalog.models import Category, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    name = factory.Sequence(lambda n: f"PRODUCT NUMBER {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    category = factory.SubFactory(CategoryFactory)
    price = Decimal("2.55")
