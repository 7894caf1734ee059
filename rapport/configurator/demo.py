"""The demo's configurable laptop (used by `bootstrap_demo`, the tests and the browser journey).

Chassis, processor, memory (a number: 8-64 GB in steps of 8), storage, extras (multiple),
engraving (free text), with rules a customer meets at once: the compact chassis takes at
most 16 GB and no dedicated graphics card, the fast processor needs the large chassis, at
most two extras, and a 200 W power budget. The graphics card is a stock-tracked part.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from rapport.catalog.models import Category, Product
from rapport.configurator.models import (
    ConfigurableProduct,
    Freedom,
    GroupKind,
    Option,
    OptionGroup,
    Preset,
    Rule,
    RuleKind,
)
from rapport.inventory.models import StockRecord

LAPTOP_SKU = "RAPPORT-LAPTOP-BTO"
GPU_SKU = "RAPPORT-PART-GPU"


@transaction.atomic
def create_demo_laptop(*, stock: int = 50, gpu_stock: int = 20) -> ConfigurableProduct:
    """The configurable laptop (idempotent: returns the existing one when it is there)."""
    found = ConfigurableProduct.objects.filter(product__sku=LAPTOP_SKU).first()
    if found is not None:
        return found
    category, _ = Category.objects.get_or_create(
        slug="build-your-own", defaults={"name": "Build your own"}
    )
    laptop = Product.objects.create(
        sku=LAPTOP_SKU,
        name="Rapport Build-to-order Laptop",
        slug="rapport-build-to-order-laptop",
        description="Choose its chassis, processor, memory, storage and extras.",
        category=category,
        price=Decimal("699.00"),
        weight_g=1800,
        built_to_order=True,
    )
    gpu = Product.objects.create(
        sku=GPU_SKU,
        name="Graphics card module (part)",
        slug="graphics-card-module-part",
        price=Decimal("250.00"),
        is_active=False,  # a part, not sold on its own
    )
    StockRecord.objects.update_or_create(product=laptop, defaults={"quantity": stock})
    StockRecord.objects.update_or_create(product=gpu, defaults={"quantity": gpu_stock})
    conf = ConfigurableProduct.objects.create(product=laptop, freedom=Freedom.FULL, lead_days=3)

    def group(code: str, name: str, kind: str, position: int, **extra: object) -> OptionGroup:
        return OptionGroup.objects.create(
            configurable=conf, code=code, name=name, kind=kind, position=position, **extra
        )

    def option(g: OptionGroup, code: str, name: str, price: str, **extra: object) -> Option:
        return Option.objects.create(
            group=g,
            code=code,
            name=name,
            price_delta=Decimal(price),
            position=g.options.count(),
            **extra,
        )

    chassis = group("chassis", "Chassis", GroupKind.SINGLE, 1)
    compact = option(chassis, "compact", "Compact 13-inch chassis", "0", totals={"power": 10})
    large = option(chassis, "large", "Large 16-inch chassis", "120", totals={"power": 15})
    cpu = group("cpu", "Processor", GroupKind.SINGLE, 2)
    option(cpu, "eco", "Efficient 8-core processor", "0", totals={"power": 25})
    fast = option(cpu, "fast", "Fast 16-core processor", "300", totals={"power": 65})
    memory = group(
        "memory",
        "Memory",
        GroupKind.NUMERIC,
        3,
        min_value=8,
        max_value=64,
        step=8,
        unit="GB",
        price_per_unit=Decimal("5.00"),
        totals_per_unit={"power": 1},
    )
    storage = group("storage", "Storage", GroupKind.SINGLE, 4)
    option(storage, "ssd512", "512 GB SSD", "0", totals={"power": 5})
    option(storage, "ssd2tb", "2 TB SSD", "150", totals={"power": 7})
    extras = group("extras", "Extras", GroupKind.MULTIPLE, 5, required=False)
    gpu_option = option(
        extras,
        "gpu",
        "Dedicated graphics card",
        "350",
        totals={"power": 80},
        component=gpu,
        lead_days=2,
    )
    option(extras, "backlight", "Backlit keyboard", "40", totals={"power": 2})
    option(extras, "fingerprint", "Fingerprint reader", "30", totals={"power": 1})
    group("engraving", "Engraving", GroupKind.TEXT, 6, required=False, max_length=40)

    requires = Rule.objects.create(
        configurable=conf, kind=RuleKind.REQUIRES, message="Needs the large chassis"
    )
    requires.when.set([fast])
    requires.then.set([large])
    excludes = Rule.objects.create(configurable=conf, kind=RuleKind.EXCLUDES)
    excludes.when.set([compact])
    excludes.then.set([gpu_option])
    compact_memory = Rule.objects.create(
        configurable=conf, kind=RuleKind.RANGE, group=memory, low=8, high=16
    )
    compact_memory.when.set([compact])
    Rule.objects.create(configurable=conf, kind=RuleKind.AT_MOST, group=extras, k=2)
    Rule.objects.create(configurable=conf, kind=RuleKind.TOTAL, attribute="power", limit=200)

    Preset.objects.create(
        configurable=conf,
        name="Everyday",
        position=1,
        choice={"chassis": "compact", "cpu": "eco", "memory": 16, "storage": "ssd512"},
    )
    Preset.objects.create(
        configurable=conf,
        name="Creator",
        position=2,
        choice={
            "chassis": "large",
            "cpu": "fast",
            "memory": 32,
            "storage": "ssd2tb",
            "extras": ["gpu"],
        },
    )
    return conf
