"""Purchase tendencies: top products, the strongest mined cross-sell rules (M4), the basket size
distribution and the weekday x hour heat map. Reads ProductDay, BasketSizeDay, OrderHourDay and
ProductMonth (rollups) and the recommendation rules; see docs/analytics.md."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from rapport.analytics.models import BasketSizeDay, OrderHourDay
from rapport.analytics.reports import (
    Filters,
    ReportData,
    Table,
    _category_ids,
    _ratio,
    _rollup,
    product_totals,
)

TOP_PRODUCTS = 20
TOP_RULES = 20
# Basket size buckets: (label, smallest, largest) product lines per order.
BASKET_BUCKETS = [
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5", 5, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    ("21-50", 21, 50),
    ("51+", 51, BasketSizeDay.BASKET_CAP),
]


def top_products(filters: Filters) -> list[dict[str, Any]]:
    from rapport.catalog.models import Product

    totals = product_totals(filters, filters.start, filters.end)
    revenue = sum((r for _u, r in totals.values()), Decimal(0))
    found = sorted(totals.items(), key=lambda kv: (-kv[1][1], kv[0]))[:TOP_PRODUCTS]
    names = dict(Product.objects.filter(pk__in=[pk for pk, _t in found]).values_list("pk", "name"))
    return [
        {
            "product": names.get(pk, "—"),
            "units": units,
            "revenue": value,
            "share": _ratio(value, revenue, 4),
        }
        for pk, (units, value) in found
    ]


def strongest_rules(filters: Filters) -> list[dict[str, Any]]:
    """The mined product rules with the highest lift (then support); the category filter keeps
    rules whose first product is in it. Rules are mined over all orders, not the period."""
    from rapport.recommendations.models import ProductRule

    qs = ProductRule.objects.select_related("antecedent", "consequent")
    categories = _category_ids(filters.category)
    if categories is not None:
        qs = qs.filter(antecedent__category_id__in=categories)
    return [
        {
            "antecedent": rule.antecedent.name,
            "consequent": rule.consequent.name,
            "baskets": rule.pair_count,
            "support": Decimal(str(round(rule.support, 4))),
            "confidence": Decimal(str(round(rule.confidence, 3))),
            "lift": Decimal(str(round(rule.lift, 2))),
        }
        for rule in qs.order_by("-lift", "-support", "pk")[:TOP_RULES]
    ]


def basket_sizes(filters: Filters) -> list[dict[str, Any]]:
    counts = dict(
        _rollup(BasketSizeDay, filters, filters.start, filters.end)
        .values("lines")
        .annotate(orders=Sum("orders"))
        .values_list("lines", "orders")
    )
    total = sum(counts.values())
    rows = []
    for label, low, high in BASKET_BUCKETS:
        orders = sum(n for lines, n in counts.items() if low <= lines <= high)
        rows.append({"lines": label, "orders": orders, "share": _ratio(orders, total, 4)})
    return rows


def heat_map(filters: Filters) -> dict[tuple[int, int], int]:
    """Orders by (ISO weekday 1-7, hour 0-23) in the store's time zone."""
    return {
        (r["weekday"], r["hour"]): r["orders"]
        for r in _rollup(OrderHourDay, filters, filters.start, filters.end)
        .values("weekday", "hour")
        .annotate(orders=Sum("orders"))
    }


def purchase_tendencies(filters: Filters) -> ReportData:
    cells = heat_map(filters)
    hours = list(range(24))
    heat_rows = [
        {"weekday": WEEKDAYS[day - 1], **{f"h{h}": cells.get((day, h), 0) for h in hours}}
        for day in range(1, 8)
    ]
    return ReportData(
        code="tendencies",
        title=str(_("Purchase tendencies")),
        tables=[
            Table(
                str(_("Top products")),
                [
                    ("product", _("Product")),
                    ("units", _("Units")),
                    ("revenue", _("Revenue")),
                    ("share", _("Share of revenue")),
                ],
                top_products(filters),
            ),
            Table(
                str(_("Strongest cross-sell rules (mined from all orders)")),
                [
                    ("antecedent", _("Bought")),
                    ("consequent", _("Also bought")),
                    ("baskets", _("Baskets with both")),
                    ("support", _("Support")),
                    ("confidence", _("Confidence")),
                    ("lift", _("Lift")),
                ],
                strongest_rules(filters),
            ),
            Table(
                str(_("Basket size (product lines per order)")),
                [("lines", _("Lines")), ("orders", _("Orders")), ("share", _("Share"))],
                basket_sizes(filters),
            ),
            Table(
                str(_("Orders by weekday and hour")),
                [("weekday", _("Weekday")), *((f"h{h}", f"{h:02d}") for h in hours)],
                heat_rows,
            ),
        ],
        chart={
            "kind": "heatmap",
            "x": [f"{h:02d}" for h in hours],
            "y": [str(WEEKDAYS[d]) for d in range(7)],
            "series": [
                {
                    "name": str(_("Orders")),
                    "type": "heatmap",
                    "data": [
                        [h, day - 1, cells.get((day, h), 0)] for day in range(1, 8) for h in hours
                    ],
                }
            ],
        },
    )
