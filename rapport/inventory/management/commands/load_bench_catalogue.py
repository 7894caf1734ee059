"""Load the deterministic 10,000-product benchmark catalogue (the same one the django-oscar peer
builds): 10 departments x 5 sub-categories, products with prices and stock, ~5% out of stock.

    manage.py load_bench_catalogue [--products 10000] [--seed 42] [--vocabulary PEER_LOADER.py]
                                   [--export DIR]

The word lists (departments, adjectives, materials...) are read, as literals only, from the
peer's loader so both shops get identical titles, prices and stock from the same random sequence.
Refuses to run on a catalogue that already has products that are not from this command.
"""

from __future__ import annotations

import ast
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from rapport.catalog.models import Category, Product
from rapport.inventory.models import StockRecord

# The peer's catalogue loader in the shared bench harness, beside this repository (../shared).
PEER_LOADER = (
    Path(settings.BASE_DIR).parent
    / "shared/bench/peer-oscar/site/peerbench/management/commands/load_peer_catalog.py"
)
NAMES: tuple[str, ...] = ("DEPARTMENTS", "ADJECTIVES", "MATERIALS", "COLOURS", "SERIES")
NAMES += ("FEATURES", "USES", "CARE", "FILLER")
SOURCE = "bench"
BASKET_PRODUCTS = 10


def read_vocabulary(path: Path) -> dict[str, Any]:
    """The literal word lists assigned at module level in the peer's loader (no code is run)."""
    tree = ast.parse(path.read_text())
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in NAMES:
                found[target.id] = ast.literal_eval(node.value)
    missing = set(NAMES) - set(found)
    if missing:
        raise CommandError(f"{path} lacks {sorted(missing)}")
    return found


def description(
    rng: random.Random, v: dict[str, Any], title: str, material: str, colour: str, sub: str
) -> str:
    # Same random calls, in the same order, as the peer's _description().
    sentences = [
        f"The {title} is a {rng.choice(v['ADJECTIVES']).lower()} take on the "
        f"{sub.lower()} classic.",
        f"Made from {material.lower()} in {colour.lower()} with {rng.choice(v['FEATURES'])}.",
        f"Ideal for {rng.choice(v['USES'])}.",
    ]
    sentences += rng.sample(v["FILLER"], rng.randint(2, 4))
    sentences.append(f"Care: {rng.choice(v['CARE'])}.")
    return " ".join(sentences[:3]) + "\n\n" + " ".join(sentences[3:])


def price(rng: random.Random) -> Decimal:
    value = 10 ** rng.uniform(0.7, 2.7)
    return Decimal(f"{int(value)}.{rng.choice(['99', '49', '95', '00'])}")


class Command(BaseCommand):
    help = "Load the deterministic benchmark catalogue (products, categories, stock)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--products", type=int, default=10000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--vocabulary", default=str(PEER_LOADER))
        parser.add_argument("--export", default="", help="write URL pools for load.py here")

    def handle(self, *args: Any, **opts: Any) -> None:
        n = opts["products"]
        if Product.objects.exclude(source=SOURCE).exists():
            raise CommandError("This database has other products: use an empty database.")
        if Product.objects.filter(source=SOURCE).count() != n:
            self._load(n, opts["seed"], read_vocabulary(Path(opts["vocabulary"])))
        else:
            self.stdout.write(f"benchmark catalogue already loaded ({n} products)")
        if opts["export"]:
            self._export(Path(opts["export"]))

    @transaction.atomic
    def _load(self, n: int, seed: int, v: dict[str, Any]) -> None:
        StockRecord.objects.filter(product__source=SOURCE).delete()
        Product.objects.filter(source=SOURCE).delete()
        Category.objects.filter(source=SOURCE).delete()
        rng = random.Random(seed)
        leaves = []
        for d, (dept, subs) in enumerate(v["DEPARTMENTS"].items()):
            parent = Category.objects.create(
                name=dept, slug=slugify(dept), source=SOURCE, external_key=dept, position=d
            )
            for s, (sub, nouns) in enumerate(subs.items()):
                leaf = Category.objects.create(
                    name=sub,
                    slug=f"{slugify(dept)}-{slugify(sub)}",
                    parent=parent,
                    source=SOURCE,
                    external_key=f"{dept}>{sub}",
                    position=s,
                )
                leaves.append((leaf, sub, nouns))
        products = []
        for i in range(n):
            cat, sub, nouns = leaves[i % len(leaves)]
            adj, material = rng.choice(v["ADJECTIVES"]), rng.choice(v["MATERIALS"])
            colour, series = rng.choice(v["COLOURS"]), rng.choice(v["SERIES"])
            title = f"{adj} {material} {rng.choice(nouns)} {series}"
            text = description(rng, v, title, material, colour, sub)
            if rng.random() < 0.10:  # the peer lists ~10% in a second category; we keep one
                rng.randrange(len(leaves))
            products.append(
                Product(
                    sku=f"PB{i + 1:06d}",
                    name=title,
                    slug=slugify(title),
                    description=text,
                    category=cat,
                    source=SOURCE,
                )
            )
        Product.objects.bulk_create(products, batch_size=1000)
        products = list(Product.objects.filter(source=SOURCE).order_by("sku"))
        stock = []
        for i, p in enumerate(products):
            quantity = 0 if rng.random() < 0.05 else rng.randint(1, 250)
            p.price = price(rng)
            stock.append(
                StockRecord(product=p, quantity=10_000_000 if i < BASKET_PRODUCTS else quantity)
            )
        Product.objects.bulk_update(products, ["price"], batch_size=1000)
        StockRecord.objects.bulk_create(stock, batch_size=1000)
        self.stdout.write(f"loaded {n} products in {len(leaves)} leaf categories")

    def _export(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        products = Product.objects.filter(source=SOURCE).order_by("sku")
        pools = {
            "products.txt": [p.get_absolute_url() for p in products],
            "categories.txt": [
                c.get_absolute_url() for c in Category.objects.filter(source=SOURCE).order_by("pk")
            ],
            "cart_add.txt": [
                reverse("storefront:cart_add_product", kwargs={"public_id": p.public_id})
                for p in products[:BASKET_PRODUCTS]
            ],
        }
        for name, rows in pools.items():
            (out / name).write_text("".join(r + "\n" for r in rows))
            self.stdout.write(f"{out / name}: {len(rows)} paths")
