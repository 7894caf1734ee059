"""Reads of a cart with everything its page needs, in a fixed number of queries."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

from django.db import connection
from django.utils.translation import gettext as _

from rapport.cart.discounts import cart_discounts, discount_total, in_a_bundle_sql
from rapport.cart.models import Cart, CartLine, CartStatus
from rapport.catalog.models import Product, product_url
from rapport.core.money import format_money, line_total
from rapport.core.sql import Columns, column, db_value, table
from rapport.inventory.models import StockRecord
from rapport.pricing.queries import prices_for


class LineView(TypedDict):
    """One cart line at today's price and stock: plain values, what the cart page, the checkout
    steps and the cart's suggestions read. A dict, because templates look a name up as a key
    first (an object's attribute costs them a failed key lookup), and the cart page prints some
    fifteen values a line."""

    product_id: int
    public_id: str
    name: str
    url: str
    category_id: int | None
    is_active: bool
    quantity: int
    price_seen: Decimal
    # The product's list price; `unit_price` is what this customer pays (`pricing`), lower
    # when one of their price lists applies (`price_list_id`).
    list_price: Decimal
    unit_price: Decimal
    price_list_id: int | None
    total: Decimal
    available: int
    warnings: list[str]
    # A configured product (`configurator`): the key naming this configuration in forms and
    # its printed summary, (group, value) pairs; "" and [] for an ordinary product.
    configuration_key: str
    configuration: list[list[str]]


@dataclass
class CartView:
    lines: list[LineView]
    subtotal: Decimal
    item_count: int
    # Bundle prices and the like (`cart.discounts`): each has `label` and a positive `amount`.
    discounts: list[Any] = field(default_factory=list)

    @property
    def discount_total(self) -> Decimal:
        return discount_total(self.discounts)

    @property
    def total(self) -> Decimal:
        """What the items cost after discounts (shipping comes at checkout)."""
        return self.subtotal - self.discount_total

    @property
    def has_problems(self) -> bool:
        return any(lv["warnings"] for lv in self.lines)

    @property
    def blocking(self) -> bool:
        """Problems checkout cannot go past: an item unavailable or short of stock."""
        return any(lv["available"] < lv["quantity"] or not lv["is_active"] for lv in self.lines)


def _empty() -> CartView:
    return CartView(lines=[], subtotal=Decimal("0.00"), item_count=0)


def cart_view(cart: Cart | None) -> CartView:
    """The cart's lines at today's prices and stock, each flagged if it changed since it was added.

    One query whatever the number of lines, plus the bundle-discount lookup when a line is
    sellable, plus one for a signed-in customer's prices (`pricing.queries.prices_for`).
    """
    if cart is None:
        return _empty()
    sql, flag_params = _lines_sql("cart_id", connection.vendor)
    return _view(sql, [*flag_params, cart.pk], user_id=cart.user_id)


def user_cart_view(user_id: int) -> CartView:
    """The lines of the user's open cart at their prices: the cart and its lines in one query,
    plus one for their prices (the signed-in cart page, where `cart_view` would first look the
    cart up)."""
    sql, flag_params = _lines_sql("user", connection.vendor)
    return _view(sql, [*flag_params, user_id, CartStatus.OPEN.value], user_id=user_id)


def anonymous_cart_view(public_id: UUID, *, touched_since: datetime) -> CartView:
    """The lines of the open anonymous cart `public_id`, if it was used since `touched_since`
    (an empty view otherwise): the cart and its lines in one query."""
    sql, flag_params = _lines_sql("anonymous_cart", connection.vendor)
    params = [
        *flag_params,
        db_value(Cart, "public_id", public_id),
        CartStatus.OPEN.value,
        db_value(Cart, "updated_at", touched_since),
    ]
    return _view(sql, params)


_CART_COLUMNS = Columns(
    ("c", Cart, "id"), ("c", Cart, "public_id"), ("c", Cart, "user"), ("c", Cart, "status")
)


def usable_anonymous_cart(public_id: UUID, *, touched_since: datetime) -> Cart | None:
    """The open anonymous cart `public_id` if it was used since `touched_since` (timestamps
    deferred), or None. Hand-written like the cart page's query: every add runs it."""

    def cart(name: str) -> str:
        return "c." + column(Cart, name)

    sql = (
        f"SELECT {_CART_COLUMNS.sql} FROM {table(Cart)} c WHERE {cart('public_id')} = %s"  # noqa: S608
        f" AND {cart('status')} = %s AND {cart('user')} IS NULL AND {cart('updated_at')} >= %s"
    )
    params = [
        db_value(Cart, "public_id", public_id),
        CartStatus.OPEN.value,
        db_value(Cart, "updated_at", touched_since),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return _CART_COLUMNS.instance(Cart, row) if row else None


def open_cart_of_user(user_id: int) -> Cart | None:
    """The user's open cart (at most one: a constraint), timestamps deferred, or None.
    Hand-written like `usable_anonymous_cart`: every signed-in add runs it, and the ORM took
    ten times as long to build the query as the database to answer it."""
    sql = (
        f"SELECT {_CART_COLUMNS.sql} FROM {table(Cart)} c"  # noqa: S608
        f" WHERE c.{column(Cart, 'user')} = %s AND c.{column(Cart, 'status')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, CartStatus.OPEN.value])
        row = cursor.fetchone()
    return _CART_COLUMNS.instance(Cart, row) if row else None


def _view(sql: str, params: Sequence[Any], user_id: int | None = None) -> CartView:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return _empty()
    views = [_line_view(*_LINE_COLUMNS.convert(row[:-1])) for row in rows]
    if user_id is not None:
        _at_customer_prices(views, user_id)
    in_a_bundle = any(row[-1] for row in rows)
    return CartView(
        lines=views,
        subtotal=sum((lv["total"] for lv in views), Decimal("0.00")),
        item_count=sum(lv["quantity"] for lv in views),
        discounts=cart_discounts(
            (lv["product_id"], lv["unit_price"], lv["quantity"])
            for lv in views
            if lv["is_active"] and lv["unit_price"]
        )
        if in_a_bundle
        else [],
    )


def _at_customer_prices(views: list[LineView], user_id: int) -> None:
    """Reprice the sellable lines at the signed-in customer's prices (one query)."""
    sellable = [lv for lv in views if lv["is_active"] and lv["unit_price"]]
    prices = prices_for(
        [(lv["product_id"], lv["list_price"], lv["quantity"]) for lv in sellable],
        user_id=user_id,
    )
    for lv in sellable:
        price = prices[lv["product_id"]]
        if price.price_list_id is not None:
            lv["unit_price"] = price.unit_price
            lv["price_list_id"] = price.price_list_id
            lv["total"] = line_total(price.unit_price, lv["quantity"])


# Every add to cart lands on the cart page, so its one read is the storefront's busiest
# per-visitor query: hand-written (`rapport.core.sql`), because the ORM took 1.3-2 ms to build
# and compile it for each page and the database answers in 0.1 ms.
_LINE_COLUMNS = Columns(
    ("l", CartLine, "product"),
    ("l", CartLine, "quantity"),
    ("l", CartLine, "price_seen"),
    ("p", Product, "public_id"),
    ("p", Product, "slug"),
    ("p", Product, "name"),
    ("p", Product, "price"),
    ("p", Product, "is_active"),
    ("p", Product, "category"),
    ("s", StockRecord, "quantity"),
    ("l", CartLine, "configuration_key"),
    ("l", CartLine, "configuration_delta"),
    ("l", CartLine, "configuration"),
)


@functools.cache
def _lines_sql(which: str, vendor: str) -> tuple[str, list[str]]:
    def line(name: str) -> str:
        return "l." + column(CartLine, name)

    def cart(name: str) -> str:
        return "c." + column(Cart, name)

    if which == "cart_id":
        cart_is = "= %s"
    elif which == "user":  # the user's open cart (one at most: a constraint)
        cart_is = (
            f"= (SELECT {cart('id')} FROM {table(Cart)} c WHERE {cart('user')} = %s"  # noqa: S608
            f" AND {cart('status')} = %s)"
        )
    else:  # the anonymous cart named by its public id, if open and used lately
        cart_is = (
            f"= (SELECT {cart('id')} FROM {table(Cart)} c WHERE {cart('public_id')} = %s"  # noqa: S608
            f" AND {cart('status')} = %s AND {cart('user')} IS NULL AND {cart('updated_at')} >= %s)"
        )
    in_a_bundle, flag_params = in_a_bundle_sql(line("product"))
    product_id = "p." + column(Product, "id")
    sql = (
        f"SELECT {_LINE_COLUMNS.sql}, {in_a_bundle}"  # noqa: S608
        f" FROM {table(CartLine)} l JOIN {table(Product)} p ON {product_id} = {line('product')}"
        f" LEFT JOIN {table(StockRecord)} s ON s.{column(StockRecord, 'product')} = {product_id}"
        f" WHERE {line('cart')} {cart_is} ORDER BY {line('id')}"
    )
    return sql, flag_params


def _line_view(
    product_id: int,
    quantity: int,
    price_seen: Decimal,
    uuid: UUID,
    slug: str,
    name: str,
    price: Decimal | None,
    is_active: bool,
    category_id: int | None,
    in_stock: int | None,
    configuration_key: str = "",
    configuration_delta: Decimal = Decimal("0.00"),
    configuration: dict[str, Any] | None = None,
) -> LineView:
    public_id = str(uuid)
    # A configured line costs the product's price plus its options' difference.
    price = price + configuration_delta if price and configuration_delta else price
    unit_price = price or Decimal("0.00")
    available = in_stock or 0  # no stock record: none in stock
    warnings: list[str] = []
    if not is_active or not price:
        warnings.append(_("This item is no longer on sale: remove it to continue."))
    elif price != price_seen:
        warnings.append(
            _("The price changed from %(old)s to %(new)s since you added it.")
            % {"old": format_money(price_seen), "new": format_money(price)}
        )
    if available < quantity:
        warnings.append(
            _("Only %(n)d left in stock: lower the quantity to continue.") % {"n": available}
            if available
            else _("Out of stock: remove it to continue.")
        )
    return LineView(
        product_id=product_id,
        public_id=public_id,
        name=name,
        url=product_url(public_id, slug),
        category_id=category_id,
        is_active=is_active,
        quantity=quantity,
        price_seen=price_seen,
        list_price=unit_price,
        unit_price=unit_price,
        price_list_id=None,
        total=line_total(unit_price, quantity),
        available=available,
        warnings=warnings,
        configuration_key=configuration_key,
        configuration=list((configuration or {}).get("summary", [])),
    )
