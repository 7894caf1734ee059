"""Test builders for the shopping flow: stocked products, addresses, filled carts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rapport.cart.models import Cart, CartLine
from rapport.catalog.models import Product
from rapport.catalog.tests.factories import ProductFactory
from rapport.checkout.models import Address
from rapport.customers.models import Customer
from rapport.inventory.models import StockRecord


def stocked_product(quantity: int = 10, price: str = "10.00", **kw: Any) -> Product:
    product = ProductFactory(price=Decimal(price), **kw)
    StockRecord.objects.create(product=product, quantity=quantity)
    return product


def address_for(customer: Customer, **kw: Any) -> Address:
    data = {
        "name": customer.name or "Ann Buyer",
        "line1": "1 High Street",
        "city": "London",
        "postal_code": "E1 6AN",
        "country": "United Kingdom",
    }
    data.update(kw)
    return Address.objects.create(customer=customer, **data)


def cart_with(user: Any, *items: tuple[Product, int]) -> Cart:
    cart = Cart.objects.create(user=user)
    for product, quantity in items:
        CartLine.objects.create(
            cart=cart, product=product, quantity=quantity, price_seen=product.price
        )
    return cart


def stock_of(product: Product) -> int:
    return StockRecord.objects.get(product=product).quantity
