"""Segment rules: a JSON tree validated here and compiled to a Django `Q` (never to SQL text).

Grammar::

    node      := {"all": [node, ...]} | {"any": [node, ...]} | {"not": node} | condition
    condition := {"field": FIELD, "op": OP, "value": VALUE}

Fields and the operators they accept are in `FIELDS`. Examples::

    {"all": [{"field": "occupation", "op": "in", "value": ["student"]},
             {"not": {"field": "age_band", "op": "in", "value": ["65+"]}}]}
    {"field": "rfm_group", "op": "in", "value": ["champions", "loyal"]}
    {"field": "total_spent", "op": "gte", "value": 500}

Behaviour fields (orders, spend, last purchase, categories bought) read the live order tables;
RFM fields read the last `compute_rfm` run. Conditions on aggregates that a customer without
orders would satisfy (e.g. "at most 2 orders") are compiled as "not (the opposite)", so customers
with no orders are included as they should be.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.segments.models import RfmGroup

MAX_DEPTH = 8
MAX_CONDITIONS = 60
AGE_BANDS = {
    "under-18": (0, 17),
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65+": (65, 200),
}
COMPARISONS = ("gte", "lte", "gt", "lt", "eq")


class RuleError(ValueError):
    """The rule tree is not valid; the message says where and why (shown to managers)."""


@dataclass(frozen=True)
class FieldSpec:
    ops: tuple[str, ...]
    kind: str  # "list" (strings), "number", "score" (1..5), "days"
    label: str
    choices: Callable[[], set[str]] | None = None


def _occupations() -> set[str]:
    from rapport.customers.models import Occupation

    return set(Occupation.objects.values_list("slug", flat=True))


def _interests() -> set[str]:
    from rapport.customers.models import Interest

    return set(Interest.objects.values_list("slug", flat=True))


def _categories() -> set[str]:
    from rapport.catalog.models import Category

    return set(Category.objects.values_list("slug", flat=True))


def _genders() -> set[str]:
    from rapport.customers.models import Gender

    return set(Gender.values)


FIELDS: dict[str, FieldSpec] = {
    "occupation": FieldSpec(("in",), "list", "occupation", _occupations),
    "interests": FieldSpec(("any",), "list", "interests", _interests),
    "gender": FieldSpec(("in",), "list", "gender", _genders),
    "age_band": FieldSpec(("in",), "list", "age band", lambda: set(AGE_BANDS)),
    "country": FieldSpec(("in",), "list", "country"),
    "region": FieldSpec(("in",), "list", "region"),
    "rfm_group": FieldSpec(("in",), "list", "RFM group", lambda: set(RfmGroup.values)),
    "recency_score": FieldSpec(COMPARISONS, "score", "recency score"),
    "frequency_score": FieldSpec(COMPARISONS, "score", "frequency score"),
    "monetary_score": FieldSpec(COMPARISONS, "score", "monetary score"),
    "total_spent": FieldSpec(COMPARISONS, "number", "total spent"),
    "order_count": FieldSpec(COMPARISONS, "number", "number of orders"),
    "last_purchase_within_days": FieldSpec(("eq",), "days", "last purchase within (days)"),
    "categories_bought": FieldSpec(("any",), "list", "categories bought", _categories),
}


def validate_rule(rule: Any) -> None:
    """Raise `RuleError` with a readable message (naming the path) if `rule` is not valid."""
    if not isinstance(rule, dict) or not rule:
        raise RuleError(_('The rule must be a JSON object such as {"all": [...]}.'))
    count = [0]
    _validate(rule, "rule", 0, count)


def _validate(node: Any, path: str, depth: int, count: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise RuleError(
            _("%(path)s: rules may nest at most %(n)d levels.") % {"path": path, "n": MAX_DEPTH}
        )
    if not isinstance(node, dict):
        raise RuleError(_("%(path)s: expected an object.") % {"path": path})
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        if set(node) != {key}:
            raise RuleError(
                _('%(path)s: "%(key)s" must be the only key.') % {"path": path, "key": key}
            )
        children = node[key]
        if not isinstance(children, list) or not children:
            raise RuleError(
                _("%(path)s.%(key)s: expected a non-empty list of rules.")
                % {"path": path, "key": key}
            )
        for i, child in enumerate(children):
            _validate(child, f"{path}.{key}[{i}]", depth + 1, count)
        return
    if "not" in node:
        if set(node) != {"not"}:
            raise RuleError(_('%(path)s: "not" must be the only key.') % {"path": path})
        _validate(node["not"], f"{path}.not", depth + 1, count)
        return
    _validate_condition(node, path)
    count[0] += 1
    if count[0] > MAX_CONDITIONS:
        raise RuleError(_("A rule may have at most %(n)d conditions.") % {"n": MAX_CONDITIONS})


def _validate_condition(node: dict[str, Any], path: str) -> None:
    if set(node) != {"field", "op", "value"}:
        raise RuleError(
            _(
                '%(path)s: a condition needs exactly "field", "op" and "value" '
                '(or use "all", "any", "not").'
            )
            % {"path": path}
        )
    field, op, value = node["field"], node["op"], node["value"]
    spec = FIELDS.get(field) if isinstance(field, str) else None
    if spec is None:
        raise RuleError(
            _("%(path)s: unknown field %(field)r; known fields: %(known)s.")
            % {"path": path, "field": field, "known": ", ".join(sorted(FIELDS))}
        )
    if op not in spec.ops:
        raise RuleError(
            _("%(path)s: %(field)s accepts the operators %(ops)s, not %(op)r.")
            % {"path": path, "field": field, "ops": ", ".join(spec.ops), "op": op}
        )
    if spec.kind == "list":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise RuleError(
                _("%(path)s: %(field)s needs a non-empty list of strings.")
                % {"path": path, "field": field}
            )
        if spec.choices is not None:
            unknown = sorted(set(value) - spec.choices())
            if unknown:
                raise RuleError(
                    _("%(path)s: unknown %(label)s: %(values)s.")
                    % {"path": path, "label": spec.label, "values": ", ".join(unknown)}
                )
    elif spec.kind == "score":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise RuleError(
                _("%(path)s: %(field)s needs a whole number from 1 to 5.")
                % {"path": path, "field": field}
            )
    elif spec.kind == "days":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RuleError(
                _("%(path)s: %(field)s needs a whole number of days (1 or more).")
                % {"path": path, "field": field}
            )
    else:
        if isinstance(value, bool) or _decimal(value) is None:
            raise RuleError(
                _("%(path)s: %(field)s needs a number.") % {"path": path, "field": field}
            )


def _decimal(value: Any) -> Decimal | None:
    if not isinstance(value, int | float | str):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


# --- Compilation ------------------------------------------------------------------------------


def compile_rule(rule: dict[str, Any], *, today: datetime.date | None = None) -> Q:
    """The `Q` over `Customer` that selects the rule's members (validate first)."""
    validate_rule(rule)
    return _compile(rule, today or timezone.localdate())


def _compile(node: dict[str, Any], today: datetime.date) -> Q:
    if "all" in node:
        q = Q()
        for child in node["all"]:
            q &= _compile(child, today)
        return q
    if "any" in node:
        q = Q(pk__in=[])
        for child in node["any"]:
            q |= _compile(child, today)
        return q
    if "not" in node:
        return ~_compile(node["not"], today)
    return _condition(node["field"], node["op"], node["value"], today)


def _condition(field: str, op: str, value: Any, today: datetime.date) -> Q:
    from rapport.customers.models import Customer

    if field == "occupation":
        return Q(occupation__slug__in=value)
    if field == "gender":
        return Q(gender__in=value)
    if field in ("country", "region"):
        q = Q(pk__in=[])
        for item in value:
            q |= Q(**{f"{field}__iexact": item})
        return q
    if field == "interests":
        through = Customer.interests.through.objects.filter(interest__slug__in=value)
        return Q(pk__in=through.values("customer_id"))
    if field == "age_band":
        q = Q(pk__in=[])
        for band in value:
            low, high = AGE_BANDS[band]
            # Age in [low, high] <=> born after (today - high - 1 years) and by (today - low years).
            q |= Q(
                birthday__gt=_years_before(today, high + 1), birthday__lte=_years_before(today, low)
            )
        return q
    if field == "rfm_group":
        return Q(rfm__group__in=value)
    if field in ("recency_score", "frequency_score", "monetary_score"):
        column = {"recency_score": "recency"}.get(field, field)
        return Q(**{f"rfm__{column}__{_lookup(op)}": value})
    if field == "last_purchase_within_days":
        since = timezone.now() - datetime.timedelta(days=value)
        return Q(pk__in=_orders().filter(placed_at__gte=since).values("customer_id"))
    if field == "categories_bought":
        return Q(pk__in=_bought_in(value))
    if field in ("total_spent", "order_count"):
        return _aggregate_condition(field, op, _decimal(value) or Decimal(0))
    raise RuleError(field)  # unreachable after validation


def _lookup(op: str) -> str:
    return "exact" if op == "eq" else op


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _orders() -> QuerySet[Any]:
    from rapport.orders.models import Order, OrderKind, OrderStatus

    return Order.objects.filter(kind=OrderKind.ORDER, customer__isnull=False).exclude(
        status=OrderStatus.CANCELLED
    )


def _bought_in(slugs: list[str]) -> QuerySet[Any]:
    from rapport.catalog.models import Category
    from rapport.catalog.queries import category_with_descendant_ids
    from rapport.orders.models import OrderKind, OrderLine, OrderStatus

    ids: list[int] = []
    for category in Category.objects.filter(slug__in=slugs):
        ids.extend(category_with_descendant_ids(category))
    # The order conditions of `_orders()` applied to the joined order itself: a second pass over
    # the orders table (`order__in=_orders()`) costs a hash join over every order at scale.
    return (
        OrderLine.objects.filter(
            product__category_id__in=ids, order__customer__isnull=False, order__kind=OrderKind.ORDER
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("order__customer_id")
    )


_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "gte": lambda a, b: a >= b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
}
_NEGATE = {"gte": "lt", "lte": "gt", "gt": "lte", "lt": "gte"}


def _aggregate_condition(field: str, op: str, value: Decimal) -> Q:
    """Spend (net of credit notes) or order count compared with `value`.

    Customers without orders have 0 of both and never appear in a GROUP BY, so when 0 satisfies
    the condition the rule becomes "not in (those failing it)".
    """
    from rapport.orders.models import Order, OrderKind, OrderStatus

    if field == "order_count":
        per_customer = (
            _orders().values("customer_id").annotate(agg=Count("id")).values("customer_id", "agg")
        )
    else:
        counted = Order.objects.filter(customer__isnull=False).exclude(status=OrderStatus.CANCELLED)
        orders_sum = Sum("total", filter=Q(kind=OrderKind.ORDER))
        # Credit notes are stored negative by the importer; count them as refunds either way.
        per_customer = (
            counted.values("customer_id")
            .annotate(
                agg=Coalesce(orders_sum, Decimal(0))
                - Coalesce(
                    Sum("total", filter=Q(kind=OrderKind.CREDIT_NOTE, total__gt=0)), Decimal(0)
                )
                + Coalesce(
                    Sum("total", filter=Q(kind=OrderKind.CREDIT_NOTE, total__lt=0)), Decimal(0)
                )
            )
            .values("customer_id", "agg")
        )
    if not _COMPARE[op](Decimal(0), value):
        matching = per_customer.filter(**{f"agg__{_lookup(op)}": value})
        return Q(pk__in=matching.values("customer_id"))
    if op == "eq":  # 0 == value: members are those whose aggregate is not different
        failing = per_customer.exclude(agg=value)
    else:
        failing = per_customer.filter(**{f"agg__{_NEGATE[op]}": value})
    return ~Q(pk__in=failing.values("customer_id"))
