"""The Olist order side: orders, their lines (items), payments and reviews."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from rapport.imports.common import BadValue, batched, parse_int
from rapport.imports.olist import COUNTRY, CURRENCY, SOURCE, OlistContext, money, required
from rapport.orders.models import LineKind, Order, OrderLine, OrderStatus, Review
from rapport.payments.models import Payment, PaymentMethod

ORDER_NUMBER_PREFIX = "OL-"

# Olist's order_status → ours. "processing" is paid and being prepared; "invoiced" has its
# invoice issued and waits for the carrier; "unavailable" could not be fulfilled.
STATUS_MAP = {
    "created": OrderStatus.PLACED,
    "approved": OrderStatus.PAID,
    "processing": OrderStatus.PAID,
    "invoiced": OrderStatus.PACKED,
    "shipped": OrderStatus.SHIPPED,
    "delivered": OrderStatus.DELIVERED,
    "canceled": OrderStatus.CANCELLED,
    "unavailable": OrderStatus.CANCELLED,
}
PAYMENT_MAP = {
    "credit_card": PaymentMethod.CARD,
    "debit_card": PaymentMethod.DEBIT_CARD,
    "boleto": PaymentMethod.BOLETO,
    "voucher": PaymentMethod.VOUCHER,
    "not_defined": PaymentMethod.OTHER,
}
ORDERS = "olist_orders_dataset.csv.gz"
ITEMS = "olist_order_items_dataset.csv.gz"
PAYMENTS = "order_payments.csv.gz"
REVIEWS = "order_reviews_excerpt.csv.gz"


@dataclass(slots=True)
class ParsedOrder:
    order_id: str
    customer_ref: str
    status: OrderStatus
    placed_at: datetime
    approved_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    estimated_delivery_at: datetime | None


@dataclass(slots=True)
class ParsedItem:
    number: int
    row: dict[str, str]
    position: int
    product_id: str
    seller_id: str
    price: Decimal
    freight: Decimal


@dataclass(slots=True)
class ParsedPayment:
    sequence: int
    method: PaymentMethod
    installments: int
    amount: Decimal


def _reason(exc: BadValue) -> str:
    return "fraction_of_cent" if str(exc) == "fraction_of_cent" else "unreadable_value"


def read_orders(ctx: OlistContext) -> dict[str, ParsedOrder]:
    orders: dict[str, ParsedOrder] = {}
    for number, row in ctx.stream(ORDERS):
        try:
            order_id = required(row, "order_id")
            customer_ref = required(row, "customer_id")
            placed_at = ctx.when(row, "order_purchase_timestamp")
            if placed_at is None:
                raise BadValue("no purchase timestamp")
            parsed = ParsedOrder(
                order_id=order_id,
                customer_ref=customer_ref,
                status=OrderStatus.PLACED,
                placed_at=placed_at,
                approved_at=ctx.when(row, "order_approved_at"),
                shipped_at=ctx.when(row, "order_delivered_carrier_date"),
                delivered_at=ctx.when(row, "order_delivered_customer_date"),
                estimated_delivery_at=ctx.when(row, "order_estimated_delivery_date"),
            )
        except BadValue:
            ctx.report.reject(ORDERS, number, "unreadable_value", row)
            continue
        status = STATUS_MAP.get((row.get("order_status") or "").strip())
        if status is None:
            ctx.report.reject(ORDERS, number, "unknown_status", row)
            continue
        if order_id in orders:
            ctx.report.reject(ORDERS, number, "duplicate_key", row)
            continue
        parsed.status = status
        if ctx.purchased_from and placed_at.date() < ctx.purchased_from:
            ctx.outside.add(order_id)
            continue
        if customer_ref not in ctx.customer_rows:
            ctx.report.keep(ORDERS, number, "customer_not_in_customers", row)
        orders[order_id] = parsed
    return orders


def read_items(ctx: OlistContext, orders: dict[str, ParsedOrder]) -> dict[str, list[ParsedItem]]:
    """Items of the orders we have; every item (orphans too) is a price seen for its product."""
    items: dict[str, list[ParsedItem]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    for number, row in ctx.stream(ITEMS):
        try:
            order_id = required(row, "order_id")
            item = ParsedItem(
                number=number,
                row=row,
                position=parse_int(required(row, "order_item_id")),
                product_id=required(row, "product_id"),
                seller_id=(row.get("seller_id") or "").strip(),
                price=money(row, "price"),
                freight=money(row, "freight_value"),
            )
            when = ctx.when(row, "shipping_limit_date")
        except BadValue as exc:
            ctx.report.reject(ITEMS, number, _reason(exc), row)
            continue
        if (order_id, item.position) in seen:
            ctx.report.reject(ITEMS, number, "duplicate_key", row)
            continue
        seen.add((order_id, item.position))
        if when is not None:
            latest = ctx.latest_price.get(item.product_id)
            if latest is None or (when, number) >= latest[:2]:
                ctx.latest_price[item.product_id] = (when, number, item.price)
        if order_id in ctx.outside:
            continue
        if order_id not in orders:
            ctx.report.reject(ITEMS, number, "order_not_in_orders", row)
            continue
        items[order_id].append(item)
    return items


def read_payments(
    ctx: OlistContext, orders: dict[str, ParsedOrder]
) -> dict[str, list[ParsedPayment]]:
    payments: dict[str, list[ParsedPayment]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    for number, row in ctx.stream(PAYMENTS):
        try:
            order_id = required(row, "order_id")
            sequence = parse_int(required(row, "payment_sequential"))
            installments = parse_int(required(row, "payment_installments"))
            amount = money(row, "payment_value")
        except BadValue as exc:
            ctx.report.reject(PAYMENTS, number, _reason(exc), row)
            continue
        method = PAYMENT_MAP.get((row.get("payment_type") or "").strip())
        if method is None:
            ctx.report.reject(PAYMENTS, number, "unknown_payment_type", row)
        elif order_id in ctx.outside:
            continue
        elif order_id not in orders:
            ctx.report.reject(PAYMENTS, number, "order_not_in_orders", row)
        elif (order_id, sequence) in seen:
            ctx.report.reject(PAYMENTS, number, "duplicate_key", row)
        else:
            seen.add((order_id, sequence))
            payments[order_id].append(ParsedPayment(sequence, method, installments, amount))
    return payments


def write_orders(
    ctx: OlistContext,
    orders: dict[str, ParsedOrder],
    items: dict[str, list[ParsedItem]],
    payments: dict[str, list[ParsedPayment]],
) -> None:
    """Create the missing orders with their lines, then the missing payments; batch by batch."""
    existing = set(Order.objects.filter(source=SOURCE).values_list("external_id", flat=True))
    counts = {"orders": 0, "lines": 0, "from_payments": 0}
    for chunk in batched([o for o in orders.values() if o.order_id not in existing], 500):
        order_objects, line_lists = [], []
        for parsed in chunk:
            lines = _lines(ctx, items.get(parsed.order_id, []))
            if lines:
                total = sum((line.line_total + line.freight for line in lines), Decimal("0.00"))
            else:
                # 775 orders have no items (most were cancelled); payments cover every order.
                total = sum((p.amount for p in payments.get(parsed.order_id, [])), Decimal("0.00"))
                counts["from_payments"] += 1
            order_objects.append(_order(ctx, parsed, total))
            line_lists.append(lines)
        with transaction.atomic():
            Order.objects.bulk_create(order_objects)
            for order, lines in zip(order_objects, line_lists, strict=True):
                for line in lines:
                    line.order_id = order.pk
            OrderLine.objects.bulk_create([line for lines in line_lists for line in lines])
        counts["orders"] += len(order_objects)
        counts["lines"] += sum(len(lines) for lines in line_lists)
    ctx.report.counts["orders created"] = counts["orders"]
    ctx.report.counts["orders already present"] = len(existing & set(orders))
    ctx.report.counts["orders whose total comes from payments (no items)"] = counts["from_payments"]
    ctx.report.counts["order lines created"] = counts["lines"]
    _write_payments(ctx, payments)


def _order(ctx: OlistContext, parsed: ParsedOrder, total: Decimal) -> Order:
    return Order(
        number=f"{ORDER_NUMBER_PREFIX}{parsed.order_id}",
        status=parsed.status,
        customer_id=ctx.customer_by_ref.get(parsed.customer_ref),
        currency=CURRENCY,
        total=total,
        placed_at=parsed.placed_at,
        approved_at=parsed.approved_at,
        shipped_at=parsed.shipped_at,
        delivered_at=parsed.delivered_at,
        estimated_delivery_at=parsed.estimated_delivery_at,
        country=COUNTRY,
        source=SOURCE,
        external_id=parsed.order_id,
        external_customer_ref=parsed.customer_ref,
    )


def _lines(ctx: OlistContext, items: list[ParsedItem]) -> list[OrderLine]:
    lines = []
    for item in items:
        product_pk = ctx.product_ids.get(item.product_id)
        if product_pk is None:
            ctx.report.reject(ITEMS, item.number, "unknown_product", item.row)
            continue
        seller_pk = ctx.seller_ids.get(item.seller_id)
        if seller_pk is None:
            ctx.report.keep(ITEMS, item.number, "unknown_seller", item.row)
        lines.append(
            OrderLine(
                kind=LineKind.PRODUCT,
                product_id=product_pk,
                seller_id=seller_pk,
                sku=item.product_id,
                name=ctx.product_names[item.product_id],
                # Olist lists one row per unit (order_item_id 1, 2, …).
                quantity=1,
                unit_price=item.price,
                line_total=item.price,
                freight=item.freight,
                position=item.position,
            )
        )
    return lines


def _write_payments(ctx: OlistContext, payments: dict[str, list[ParsedPayment]]) -> None:
    order_ids = dict(Order.objects.filter(source=SOURCE).values_list("external_id", "id"))
    existing = set(
        Payment.objects.filter(source=SOURCE).values_list("external_order_ref", "sequence")
    )
    new = [
        Payment(
            order_id=order_ids[order_id],
            method=p.method,
            amount=p.amount,
            currency=CURRENCY,
            installments=p.installments,
            sequence=p.sequence,
            source=SOURCE,
            external_order_ref=order_id,
        )
        for order_id, parsed in payments.items()
        for p in parsed
        if order_id in order_ids and (order_id, p.sequence) not in existing
    ]
    with transaction.atomic():
        Payment.objects.bulk_create(new, batch_size=1000)
    ctx.report.counts["payments created"] = len(new)
    ctx.report.counts["payments already present"] = sum(map(len, payments.values())) - len(new)


def import_reviews(ctx: OlistContext) -> None:
    """Reviews are per order; a review whose order is missing keeps its order id only."""
    order_ids = dict(Order.objects.filter(source=SOURCE).values_list("external_id", "id"))
    existing = set(
        Review.objects.filter(source=SOURCE).values_list("external_id", "external_order_ref")
    )
    seen: set[tuple[str, str]] = set()
    new: list[Review] = []
    for number, row in ctx.stream(REVIEWS):
        try:
            review_id = required(row, "review_id")
            order_ref = required(row, "order_id")
            score = parse_int(required(row, "review_score"))
            written_at = ctx.when(row, "review_creation_date")
            answered_at = ctx.when(row, "review_answer_timestamp")
        except BadValue:
            ctx.report.reject(REVIEWS, number, "unreadable_value", row)
            continue
        if not 1 <= score <= 5:
            ctx.report.reject(REVIEWS, number, "score_out_of_range", row)
            continue
        if (review_id, order_ref) in seen:
            ctx.report.reject(REVIEWS, number, "duplicate_key", row)
            continue
        if order_ref in ctx.outside:
            continue
        seen.add((review_id, order_ref))
        order_pk = order_ids.get(order_ref)
        if order_pk is None:
            ctx.report.keep(REVIEWS, number, "review_order_not_in_orders", row)
        if (review_id, order_ref) in existing:
            continue
        new.append(
            Review(
                external_id=review_id,
                order_id=order_pk,
                external_order_ref=order_ref,
                score=score,
                title=(row.get("review_comment_title") or "")[:255],
                text=row.get("review_comment_message") or "",
                written_at=written_at,
                answered_at=answered_at,
                source=SOURCE,
            )
        )
    with transaction.atomic():
        Review.objects.bulk_create(new, batch_size=1000)
    ctx.report.counts["reviews created"] = len(new)
    ctx.report.counts["reviews already present"] = len(seen) - len(new)
