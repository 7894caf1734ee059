"""Writes: mining runs, thresholds, knowledge rules, consumables, bundles, follow-up mail."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Category, Product
from rapport.core import audit
from rapport.core.money import format_money
from rapport.orders.models import LineKind, OrderKind, OrderLine, OrderStatus
from rapport.recommendations import mining
from rapport.recommendations.models import (
    Bundle,
    BundleItem,
    BundleStatus,
    CategoryRule,
    Consumable,
    KnowledgeRule,
    MiningSettings,
    MiningState,
    PriceTier,
    ProductRule,
)
from rapport.recommendations.queries import current_settings
from rapport.segments.models import Segment


class RecommendationError(Exception):
    """A change that cannot be made; the message is safe to show. Nothing was written."""


def _basket_lines(*, after_order_id: int = 0) -> Any:
    """(order id, product id, category id) of PRODUCT lines of real orders (no credit notes,
    no shipping/fee/discount lines, no cancelled orders), in order-id order."""
    return (
        OrderLine.objects.filter(
            order__kind=OrderKind.ORDER,
            kind=LineKind.PRODUCT,
            product__isnull=False,
            order_id__gt=after_order_id,
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .order_by("order_id")
        .values_list("order_id", "product_id", "product__category_id")
    )


def _baskets(rows: Any) -> tuple[list[list[int]], list[list[int]], int]:
    products: dict[int, list[int]] = defaultdict(list)
    categories: dict[int, list[int]] = defaultdict(list)
    last = 0
    for order_id, product_id, category_id in rows.iterator(chunk_size=20_000):
        products[order_id].append(product_id)
        if category_id is not None:
            categories[order_id].append(category_id)
        last = max(last, order_id)
    return list(products.values()), [categories.get(k, []) for k in products], last


def refresh_rules(*, full: bool = False, actor: Any = None) -> MiningState:
    """Recompute the stored top-N rules from order lines.

    Incremental (default): count only orders newer than the last run, add those counts to the
    stored ones and recompute the rules (exact: the counts are additive). Full: recount every
    order (nightly; it also forgets cancelled orders and refreshes the category rules).
    """
    config = current_settings()
    thresholds: dict[str, Any] = {
        "min_support": float(config.min_support),
        "min_confidence": float(config.min_confidence),
        "min_lift": float(config.min_lift),
        "top_n": int(config.top_n),
    }
    with transaction.atomic():
        MiningState.objects.get_or_create(pk=1)
        state = MiningState.objects.select_for_update().get(pk=1)
        if full or not state.counts:
            product_baskets, category_baskets, last = _baskets(_basket_lines())
            counts = mining.count(product_baskets)
            category_rules = mining.rules(mining.count(category_baskets), **thresholds)
        else:
            product_baskets, _unused, last = _baskets(
                _basket_lines(after_order_id=state.last_order_id)
            )
            counts = mining.merge(
                mining.Counts.from_bytes(state.counts), mining.count(product_baskets)
            )
            category_rules = None
        product_rules = mining.rules(counts, **thresholds)
        ProductRule.objects.all().delete()
        ProductRule.objects.bulk_create(
            [
                ProductRule(
                    antecedent_id=r.antecedent,
                    consequent_id=r.consequent,
                    pair_count=r.count,
                    support=r.support,
                    confidence=r.confidence,
                    lift=r.lift,
                    rank=r.rank,
                )
                for r in product_rules
            ],
            batch_size=2000,
        )
        if category_rules is not None:
            CategoryRule.objects.all().delete()
            CategoryRule.objects.bulk_create(
                [
                    CategoryRule(
                        antecedent_id=r.antecedent,
                        consequent_id=r.consequent,
                        pair_count=r.count,
                        support=r.support,
                        confidence=r.confidence,
                        lift=r.lift,
                        rank=r.rank,
                    )
                    for r in category_rules
                ]
            )
        now = timezone.now()
        state.baskets = counts.baskets
        state.last_order_id = max(state.last_order_id if not full else 0, last)
        state.counts = counts.to_bytes()
        if full or category_rules is not None:
            state.full_run_at = now
        else:
            state.incremental_run_at = now
        state.save()
        audit.record(
            action="recommendations.refreshed",
            actor=actor,
            summary=f"Cross-sell rules {'recomputed' if category_rules is not None else 'updated'}"
            f": {len(product_rules)} product rules from {counts.baskets} baskets",
            data={"full": category_rules is not None, "rules": len(product_rules), **thresholds},
        )
        return state


def update_settings(
    *,
    actor: Any,
    min_support: Decimal,
    min_confidence: Decimal,
    min_lift: Decimal,
    top_n: int,
) -> MiningSettings:
    """Change the mining thresholds (the next run uses them)."""
    if not (Decimal(0) < min_support <= 1 and Decimal(0) <= min_confidence <= 1):
        raise RecommendationError(_("Support and confidence are fractions between 0 and 1."))
    if min_lift < 0 or not 1 <= top_n <= 50:
        raise RecommendationError(_("Lift must be positive and top-N between 1 and 50."))
    with transaction.atomic():
        config, _created = MiningSettings.objects.select_for_update().get_or_create(pk=1)
        before = {
            "min_support": str(config.min_support),
            "min_confidence": str(config.min_confidence),
            "min_lift": str(config.min_lift),
            "top_n": config.top_n,
        }
        config.min_support, config.min_confidence = min_support, min_confidence
        config.min_lift, config.top_n = min_lift, top_n
        config.full_clean()
        config.save()
        audit.record(
            action="recommendations.settings_changed",
            actor=actor,
            target=config,
            summary="Cross-sell thresholds changed",
            data={"before": before, "after": {k: str(getattr(config, k)) for k in before}},
        )
        return config


def add_knowledge_rule(
    *,
    actor: Any,
    source: Category,
    target: Category,
    segment: Segment | None = None,
    price_tier: str = "",
    reason: str = "",
) -> KnowledgeRule:
    """A manager's rule 'buyers of `source` [in `segment` | at `price_tier`] → `target`'."""
    if source.pk == target.pk:
        raise RecommendationError(_("Suggest a different category from the one bought."))
    if price_tier not in PriceTier.values:
        raise RecommendationError(_("Unknown price tier."))
    with transaction.atomic():
        rule = KnowledgeRule.objects.create(
            source=source,
            target=target,
            segment=segment,
            price_tier=price_tier,
            reason=reason.strip(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            action="recommendations.rule_added",
            actor=actor,
            target=rule,
            summary=f"Knowledge rule: {source} → {target}",
        )
        return rule


def remove_knowledge_rule(*, actor: Any, rule: KnowledgeRule) -> None:
    """Delete a knowledge rule (the audit entry keeps what it said)."""
    with transaction.atomic():
        audit.record(
            action="recommendations.rule_removed",
            actor=actor,
            target=rule,
            summary=f"Knowledge rule removed: {rule.source} → {rule.target}",
        )
        rule.delete()


def set_consumable(
    *,
    actor: Any,
    consumable: bool,
    category: Category | None = None,
    product: Product | None = None,
) -> None:
    """Mark a category or a product as bought again and again (or not)."""
    if (category is None) == (product is None):
        raise RecommendationError(_("Choose a category or a product."))
    with transaction.atomic():
        found = Consumable.objects.filter(category=category, product=product)
        if consumable and not found.exists():
            Consumable.objects.create(category=category, product=product)
        elif not consumable:
            found.delete()
        audit.record(
            action="recommendations.consumable",
            actor=actor,
            target=category or product,
            summary=f"{category or product} {'is' if consumable else 'is not'} consumable",
        )


def _check_price(price: Decimal | None, products: list[tuple[Product, int]]) -> Decimal:
    if price is None or not price.is_finite() or price <= 0:
        raise RecommendationError(_("Enter a bundle price above zero."))
    if price != price.quantize(Decimal("0.01")):
        raise RecommendationError(_("Enter the price in whole cents."))
    full = sum(((p.price or Decimal(0)) * q for p, q in products), Decimal("0.00"))
    if price >= full:
        raise RecommendationError(
            _("The bundle price must be below the items' total (%(total)s).")
            % {"total": format_money(full)}
        )
    return price


def create_bundle(
    *, actor: Any, name: str, price: Decimal, items: list[tuple[Product, int]]
) -> Bundle:
    """A staff bundle, active at once: at least two different products, priced below their sum."""
    products = {p.pk for p, _q in items}
    if len(products) < 2 or len(products) != len(items):
        raise RecommendationError(_("A bundle needs at least two different products."))
    if any(q < 1 or q > 99 for _p, q in items):
        raise RecommendationError(_("Quantities go from 1 to 99."))
    if not name.strip():
        raise RecommendationError(_("Give the bundle a name."))
    _check_price(price, items)
    with transaction.atomic():
        bundle = Bundle.objects.create(
            name=name.strip()[:120],
            price=price,
            status=BundleStatus.ACTIVE,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        BundleItem.objects.bulk_create(
            [BundleItem(bundle=bundle, product=p, quantity=q) for p, q in items]
        )
        audit.record(
            action="recommendations.bundle_created",
            actor=actor,
            target=bundle,
            summary=f"Bundle “{bundle.name}” at {price}",
        )
        return bundle


def _locked(bundle: Bundle, *, status: str) -> Bundle:
    locked = Bundle.objects.select_for_update().get(pk=bundle.pk)
    if locked.status != status:
        raise RecommendationError(_("This bundle has changed meanwhile. Reload the page."))
    return locked


def accept_bundle(*, actor: Any, bundle: Bundle, price: Decimal, name: str = "") -> Bundle:
    """Turn a suggested bundle into an active one at `price`."""
    with transaction.atomic():
        locked = _locked(bundle, status=BundleStatus.SUGGESTED)
        items = [(i.product, i.quantity) for i in locked.items.select_related("product")]
        locked.price = _check_price(price, items)
        locked.name = (name.strip() or locked.name)[:120]
        locked.status = BundleStatus.ACTIVE
        locked.save(update_fields=["price", "name", "status", "updated_at"])
        audit.record(
            action="recommendations.bundle_accepted",
            actor=actor,
            target=locked,
            summary=f"Suggested bundle “{locked.name}” accepted at {locked.price}",
        )
        return locked


def _change_bundle_status(
    *, actor: Any, bundle: Bundle, from_status: str, to_status: str, action: str, summary: str
) -> Bundle:
    with transaction.atomic():
        locked = _locked(bundle, status=from_status)
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            action=action, actor=actor, target=locked, summary=summary.format(name=locked.name)
        )
        return locked


def reject_bundle(*, actor: Any, bundle: Bundle) -> Bundle:
    """Reject a suggested bundle; it is remembered so the same set is not suggested again."""
    return _change_bundle_status(
        actor=actor,
        bundle=bundle,
        from_status=BundleStatus.SUGGESTED,
        to_status=BundleStatus.REJECTED,
        action="recommendations.bundle_rejected",
        summary="Suggested bundle “{name}” rejected",
    )


def retire_bundle(*, actor: Any, bundle: Bundle) -> Bundle:
    """Stop applying an active bundle."""
    return _change_bundle_status(
        actor=actor,
        bundle=bundle,
        from_status=BundleStatus.ACTIVE,
        to_status=BundleStatus.RETIRED,
        action="recommendations.bundle_retired",
        summary="Bundle “{name}” retired",
    )


def suggest_bundles(*, actor: Any = None, limit: int = 10) -> list[Bundle]:
    """Propose bundles from the strongest stored rules (mutual pairs, by confidence x lift),
    skipping any product set already bundled, suggested or rejected."""
    taken = set()
    for bundle_id, product_id in BundleItem.objects.values_list("bundle_id", "product_id"):
        taken.add((bundle_id, product_id))
    sets: dict[int, set[int]] = defaultdict(set)
    for bundle_id, product_id in taken:
        sets[bundle_id].add(product_id)
    known = {frozenset(s) for s in sets.values()}
    rules = list(
        ProductRule.objects.filter(
            antecedent__is_active=True, consequent__is_active=True, rank__lte=3
        ).select_related("antecedent", "consequent")
    )
    rules.sort(key=lambda r: (-(r.confidence * r.lift), r.antecedent_id, r.consequent_id))
    created: list[Bundle] = []
    with transaction.atomic():
        for rule in rules:
            pair = frozenset((rule.antecedent_id, rule.consequent_id))
            if pair in known:
                continue
            known.add(pair)
            a, b = sorted((rule.antecedent, rule.consequent), key=lambda p: p.pk)
            bundle = Bundle.objects.create(
                name=f"{a.name} + {b.name}"[:120],
                status=BundleStatus.SUGGESTED,
                confidence=rule.confidence,
                lift=rule.lift,
            )
            BundleItem.objects.bulk_create(
                [BundleItem(bundle=bundle, product=a), BundleItem(bundle=bundle, product=b)]
            )
            created.append(bundle)
            if len(created) >= limit:
                break
        if created:
            audit.record(
                action="recommendations.bundles_suggested",
                actor=actor,
                summary=f"{len(created)} bundles suggested from the strongest rules",
            )
    return created


def send_cross_sell_followups(
    *, now: datetime.datetime | None = None, after_days: int = 3, window_days: int = 7
) -> dict[str, int]:
    """Queue one 'you might also like' email per recent order (placed between `window_days` and
    `after_days` ago) that has suggestions, through the outbox as marketing mail, so consent and
    the contact budget apply. Each order is considered once (FollowUp row), whatever the outcome.
    """
    from django.utils import translation

    from rapport.messaging.rendering import language_for
    from rapport.messaging.services import MessageRefused, queue_message
    from rapport.orders.models import Order
    from rapport.recommendations.models import FollowUp
    from rapport.recommendations.queries import for_order

    now = now or timezone.now()
    orders = (
        Order.objects.filter(
            kind=OrderKind.ORDER,
            customer__isnull=False,
            placed_at__lte=now - datetime.timedelta(days=after_days),
            placed_at__gte=now - datetime.timedelta(days=window_days),
        )
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(pk__in=FollowUp.objects.values("order_id"))
        .select_related("customer")
        .order_by("placed_at", "pk")
    )
    outcomes: dict[str, int] = defaultdict(int)
    for order in orders:
        assert order.customer is not None
        # Reasons are worded in the customer's language, like the rest of the mail.
        with translation.override(language_for(order.customer)):
            suggestions = for_order(order, limit=4)
        outcome = "nothing_to_suggest"
        if suggestions:
            try:
                with transaction.atomic():
                    queue_message(
                        customer=order.customer,
                        template="cross_sell",
                        context={
                            "order_number": order.number,
                            "suggestions": [
                                {
                                    "name": s.product.name,
                                    "price": str(s.product.price),
                                    "url": s.product.get_absolute_url(),
                                    "reason": s.reason,
                                }
                                for s in suggestions
                            ],
                        },
                        purpose="marketing",
                    )
                    outcome = "queued"
            except MessageRefused:
                outcome = "refused"
        FollowUp.objects.get_or_create(order=order, defaults={"outcome": outcome})
        outcomes[outcome] += 1
    return dict(outcomes)


__all__ = [
    "RecommendationError",
    "accept_bundle",
    "add_knowledge_rule",
    "create_bundle",
    "refresh_rules",
    "reject_bundle",
    "remove_knowledge_rule",
    "retire_bundle",
    "send_cross_sell_followups",
    "set_consumable",
    "suggest_bundles",
    "update_settings",
]
