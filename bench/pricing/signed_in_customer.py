"""A signed-in customer with a price list, for the load harness (issue 17 goal: their product
page at >= 10 % of the bare-Django ceiling, their cart flow at >= 10x oscar's basket flow).

Run against the database `bench/run.sh` prepared (same settings and var dir), after
`load_bench_catalogue`:

    RAPPORT_VAR_DIR=/tmp/shop-rapport-bench DJANGO_SETTINGS_MODULE=bench.settings_bench \
        .venv/bin/python bench/pricing/signed_in_customer.py

Creates (once; reruns reuse them) 16 customers, `bench-pricelist@example.com` and
`bench-pricelist-2@example.com` ... `bench-pricelist-16@example.com` (password
`bench-pricelist-password`), one per virtual user of `bench/scenario_pricelist_*.json` (they sign
in through `/bench-sign-in/`, `bench/urls.py`), and a price list assigned to all of them with two
tiers on every product: 10 % off from 1, 20 % off from 10. Every run empties their open carts, so
a run's cart flow starts from empty carts (a line reaches the 99-unit cap only after 99 adds of
one product by one customer).
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.accounts.models import User  # noqa: E402
from rapport.cart.models import CartLine, CartStatus  # noqa: E402
from rapport.catalog.models import Product  # noqa: E402
from rapport.customers.models import Customer  # noqa: E402
from rapport.pricing.models import PriceList, PriceListItem  # noqa: E402

CUSTOMERS = 16  # the harness's virtual users
EMAILS = ["bench-pricelist@example.com"] + [
    f"bench-pricelist-{n}@example.com" for n in range(2, CUSTOMERS + 1)
]
PASSWORD = "bench-pricelist-password"  # noqa: S105 - a throw-away bench account


def _customer(email: str) -> Customer:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD)
    user.email_verified_at = user.email_verified_at or timezone.now()
    user.save(update_fields=["email_verified_at"])
    return Customer.objects.filter(user=user).first() or Customer.objects.create(
        user=user, email=email, name="Bench price-list customer"
    )


def main() -> None:
    with transaction.atomic():
        customers = [_customer(email) for email in EMAILS]
        price_list, _created = PriceList.objects.get_or_create(
            name="Bench wholesale", defaults={"priority": 10}
        )
        price_list.customers.add(*customers)
        have = set(price_list.items.values_list("product_id", "min_quantity"))
        items = [
            PriceListItem(price_list=price_list, product_id=pk, min_quantity=q, percent_off=off)
            for pk in Product.objects.values_list("pk", flat=True)
            for q, off in ((1, Decimal("10")), (10, Decimal("20")))
            if (pk, q) not in have
        ]
        PriceListItem.objects.bulk_create(items, batch_size=2000)
        emptied, _kinds = CartLine.objects.filter(
            cart__user__email__in=EMAILS, cart__status=CartStatus.OPEN
        ).delete()
    print(
        f"{len(customers)} customers ({EMAILS[0]} ...): price list {price_list.pk} with "
        f"{price_list.items.count()} items; {emptied} cart lines emptied"
    )


if __name__ == "__main__":
    main()
