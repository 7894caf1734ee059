"""The offline client's first download of a 4,000-product catalogue: GET /api/v1/sync/pull
from no cursor, 1,000 changes a page, until `more` is false (goal: ≤ 5 s on PostgreSQL), as a
customer with a price list (their own prices are computed for every product) and as an
employee. Prints one JSON object with wall and CPU seconds per persona.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/offline/catalog_download.py
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any

from common import Timer, person, setup, stamp, token_client


def download(client: Any) -> tuple[int, int, int]:
    cursor, products, other, pages = None, 0, 0, 0
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/sync/pull", params)
        assert response.status_code == 200, response.content[:500]
        page = response.json()
        pages += 1
        for change in page["changes"]:
            if change["type"] == "product":
                products += 1
            else:
                other += 1
        cursor = page["cursor"]
        if not page["more"]:
            return products, other, pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=4000)
    parser.add_argument("--fresh-db", action="store_true", help="expect an empty catalogue")
    args = parser.parse_args()
    setup()
    from rapport.catalog.models import Category, Product
    from rapport.customers.models import Customer
    from rapport.inventory.models import StockRecord
    from rapport.pricing.models import PriceList, PriceListCustomer, PriceListItem

    tag = stamp()
    category = Category.objects.create(name=f"Offline {tag}", slug=f"offline-{tag}")
    existing = Product.objects.count()
    made = Product.objects.bulk_create(
        [
            Product(
                sku=f"C{tag}-{i}",
                name=f"Catalogue item {i}",
                slug=f"catalogue-item-{tag}-{i}",
                price=Decimal("10.00") + i % 90,
                category=category,
                description="A product of the offline catalogue benchmark.",
            )
            for i in range(args.products)
        ]
    )
    StockRecord.objects.bulk_create([StockRecord(product=p, quantity=5) for p in made])
    customer_user = person(f"partner-{tag}@bench.example.com")
    customer = Customer.objects.get(user=customer_user)
    prices = PriceList.objects.create(name=f"Partners {tag}")
    PriceListItem.objects.bulk_create(
        [PriceListItem(price_list=prices, product=p, percent_off=Decimal("10")) for p in made[::4]]
    )
    PriceListCustomer.objects.create(price_list=prices, customer=customer)
    employee = person(f"emp-{tag}@bench.example.com", "Employee")
    result: dict[str, Any] = {"products_made": args.products, "products_before": existing}
    for name, user in (("customer", customer_user), ("employee", employee)):
        client = token_client(user)
        client.get("/api/v1/me")  # warm up: the first request imports the whole URLconf
        with Timer() as timer:
            products, other, pages = download(client)
        result[name] = {
            "products": products,
            "other_changes": other,
            "pages": pages,
            "wall_s": round(timer.wall, 2),
            "cpu_s": round(timer.cpu, 2),
            "cpu_ms_per_product": round(1000 * timer.cpu / max(products, 1), 3),
        }
    result["goal_s"] = 5
    print(json.dumps(result))


if __name__ == "__main__":
    main()
