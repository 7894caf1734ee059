"""Writes to carts. Prices always come from the catalogue, never from a form."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.cart.models import Cart, CartLine, CartStatus
from rapport.catalog.models import Product
from rapport.configurator.services import Configured
from rapport.core.sql import column, db_value, table

MAX_LINE_QUANTITY = 99


class CartError(Exception):
    """A cart change that cannot be made; the message is safe to show."""


def parse_quantity(raw: Any) -> int:
    """A quantity from a form: a whole number from 1 to MAX_LINE_QUANTITY, or `CartError`."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError) as exc:
        raise CartError(_("Enter a whole number of items.")) from exc
    if value < 1:
        raise CartError(_("The quantity must be at least 1."))
    if value > MAX_LINE_QUANTITY:
        raise CartError(_("At most %(n)d of one item per order.") % {"n": MAX_LINE_QUANTITY})
    return value


def open_cart_for_user(*, user: Any) -> Cart:
    """The signed-in user's one open cart, created on first use (race-safe)."""
    cart = Cart.objects.filter(user=user, status=CartStatus.OPEN).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(user=user)
    except IntegrityError:
        # Another request (a second tab) created it a moment ago.
        return Cart.objects.get(user=user, status=CartStatus.OPEN)


def create_anonymous_cart() -> Cart:
    """A cart for a visitor who is not signed in; the access helper keeps its id in the session."""
    return Cart.objects.create()


def _check_open(cart: Cart) -> None:
    if cart.status != CartStatus.OPEN:
        raise CartError(_("This cart has already been checked out. Start a new one."))


def add_to_cart(
    *, cart: Cart, product: Product, quantity: int, configured: Configured | None = None
) -> None:
    """Add `quantity` of a sellable product (adding to an existing line), at today's price.

    A `configured` product (checked and priced by `configurator.services.configure`) gets its
    own line per configuration, priced at the product's price plus the options' difference.
    Raises `CartError` for a product not on sale, a closed cart, or a line that would pass
    MAX_LINE_QUANTITY.
    """
    key = configured.key if configured else ""
    if not product.is_active or not product.price:
        raise CartError(_("This product is not on sale."))
    with transaction.atomic():
        # Touching the open cart locks its row (PostgreSQL) for the rest of the transaction,
        # checks it is still open and keeps it from expiring, in one statement.
        if not _touch_open_cart(cart.pk):
            raise CartError(_("This cart has already been checked out. Start a new one."))
        # One conditional UPDATE covers the common case (the item is already in the cart).
        if _grow_line(cart.pk, product.pk, quantity, key):
            return
        if CartLine.objects.filter(cart=cart, product=product, configuration_key=key).exists():
            raise CartError(_("At most %(n)d of one item per order.") % {"n": MAX_LINE_QUANTITY})
        if configured is None:
            CartLine.objects.create(
                cart=cart, product=product, quantity=quantity, price_seen=product.price
            )
            return
        CartLine.objects.create(
            cart=cart,
            product=product,
            quantity=quantity,
            price_seen=product.price + configured.delta,
            configuration=configured.stored(),
            configuration_key=configured.key,
            configuration_delta=configured.delta,
        )


# The two statements of every add to an item already in the cart, hand-written like the cart
# page's query (`rapport.core.sql`): the ORM spent longer building them than the database
# took to run them.
def _touch_open_cart(cart_id: int) -> bool:
    sql = (
        f"UPDATE {table(Cart)} SET {column(Cart, 'updated_at')} = %s"  # noqa: S608
        f" WHERE {column(Cart, 'id')} = %s AND {column(Cart, 'status')} = %s"
    )
    now = db_value(Cart, "updated_at", timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, cart_id, CartStatus.OPEN.value])
        return cursor.rowcount == 1


def _grow_line(cart_id: int, product_id: int, quantity: int, key: str = "") -> bool:
    """Add `quantity` to the line of `product_id` (configuration `key`), if there is one with
    room for it."""
    qty = column(CartLine, "quantity")
    sql = (
        f"UPDATE {table(CartLine)} SET {qty} = {qty} + %s"  # noqa: S608
        f" WHERE {column(CartLine, 'cart')} = %s AND {column(CartLine, 'product')} = %s"
        f" AND {column(CartLine, 'configuration_key')} = %s AND {qty} <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [quantity, cart_id, product_id, key, MAX_LINE_QUANTITY - quantity])
        return cursor.rowcount == 1


def set_line_quantity(
    *, cart: Cart, product: Product, quantity: int, configuration_key: str = ""
) -> CartLine | None:
    """Set a line's quantity; 0 removes the line (returns None)."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _check_open(cart)
        line = CartLine.objects.filter(
            cart=cart, product=product, configuration_key=configuration_key
        ).first()
        if line is None:
            raise CartError(_("That item is no longer in your cart."))
        if quantity == 0:
            line.delete()
            return None
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        return line


def remove_line(*, cart: Cart, product: Product, configuration_key: str = "") -> None:
    """Take a product (one configuration of it) out of the cart (no error if already gone)."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _check_open(cart)
        CartLine.objects.filter(
            cart=cart, product=product, configuration_key=configuration_key
        ).delete()


def accept_current_prices(*, cart: Cart) -> int:
    """The customer has seen the changed prices: remember today's prices. Returns lines updated."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _check_open(cart)
        changed = 0
        for line in CartLine.objects.filter(cart=cart).select_related("product"):
            today = line.product.price + line.configuration_delta if line.product.price else None
            if today and line.price_seen != today:
                line.price_seen = today
                line.save(update_fields=["price_seen"])
                changed += 1
        return changed


def merge_carts(*, source: Cart, target: Cart) -> Cart:
    """Move an anonymous cart's lines into the user's cart (quantities add up, capped) and close
    the anonymous one. Called lazily by the cart access helper on the first request after login."""
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        locked = {c.pk: c for c in Cart.objects.select_for_update().filter(pk__in=[first, second])}
        src, dst = locked[source.pk], locked[target.pk]
        if src.status != CartStatus.OPEN or dst.status != CartStatus.OPEN:
            return dst
        existing = {
            (line.product_id, line.configuration_key): line
            for line in CartLine.objects.filter(cart=dst)
        }
        for line in CartLine.objects.filter(cart=src):
            mine = existing.get((line.product_id, line.configuration_key))
            if mine is None:
                CartLine.objects.create(
                    cart=dst,
                    product_id=line.product_id,
                    quantity=line.quantity,
                    price_seen=line.price_seen,
                    configuration=line.configuration,
                    configuration_key=line.configuration_key,
                    configuration_delta=line.configuration_delta,
                )
            else:
                mine.quantity = min(MAX_LINE_QUANTITY, mine.quantity + line.quantity)
                mine.save(update_fields=["quantity"])
        src.status = CartStatus.MERGED
        src.save(update_fields=["status", "updated_at"])
        return dst
