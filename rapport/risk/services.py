"""Writes of the order-risk domain: assess an order at placement, note a declined card, decide a
held order (approve, or cancel with refund), and change the rules and the hold threshold."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.orders.models import Order
from rapport.risk import client as clients
from rapport.risk.features import FEATURES, baseline, vector
from rapport.risk.models import FraudRule, ReviewStatus, RiskAssessment, RiskSettings, Sighting
from rapport.risk.rules import RULES
from rapport.risk.store import basket_for, facts_for, history_for, load_model, rates_for

log = logging.getLogger(__name__)


class RiskError(Exception):
    """A risk decision that cannot be made; the message is safe to show. Nothing changed."""


def current_settings() -> RiskSettings:
    return RiskSettings.objects.get_or_create(pk=1)[0]


def current_rules() -> list[FraudRule]:
    """Every rule of `rules.RULES`, created with its defaults the first time it is asked for."""
    have = {rule.code: rule for rule in FraudRule.objects.all()}
    missing = [
        FraudRule(code=s.code, weight=s.default_weight, parameter=s.default_parameter)
        for s in RULES
        if s.code not in have
    ]
    if missing:
        FraudRule.objects.bulk_create(missing, ignore_conflicts=True)
        have = {rule.code: rule for rule in FraudRule.objects.all()}
    return [have[s.code] for s in RULES]


def assess_order(*, order: Order, actor: Any) -> RiskAssessment:
    """Score `order` at placement (call inside `place_order`'s transaction) and hold it for
    review when the score reaches the manager's threshold.

    Two parts: "will it stick" (the learned model's probability of cancellation, or the
    customer's past cancellation share when no model was trained yet) and the fraud rules'
    weights. The score is the larger of the two, 0 to 100. Writes the assessment and a `Sighting`
    of the client; one audit entry when the order is held. Never raises for a scoring problem:
    a failing model leaves the stick part empty (logged), so checkout does not depend on it.
    """
    client = clients.current()
    history = history_for(order)
    basket = basket_for(order)
    values = vector(history, basket, rates_for(basket))
    model = load_model()
    probability: float | None
    version = ""
    try:
        if model is not None:
            probability = model.probability(values)
            version = model.trained_on[:80]
        else:
            probability = baseline(history)
            version = "baseline"
    except Exception:  # a broken model file must not stop a sale
        log.exception("Order risk model failed on order %s", order.pk)
        probability = None
    facts = facts_for(order, client, history)
    signals: list[dict[str, Any]] = []
    for rule, spec in zip(current_rules(), RULES, strict=True):
        if not rule.is_active:
            continue
        value = spec.check(facts, Decimal(rule.parameter))
        if value is not None:
            signals.append(
                {
                    "code": rule.code,
                    "weight": rule.weight,
                    "value": value,
                    "parameter": float(rule.parameter),
                }
            )
    fraud = min(100, sum(int(s["weight"]) for s in signals))
    stick = round(100 * probability) if probability is not None else 0
    score = max(stick, fraud)
    threshold = current_settings().hold_threshold
    held = score >= threshold
    assessment = RiskAssessment.objects.create(
        order=order,
        stick_probability=probability,
        features=dict(zip(FEATURES, values, strict=True)),
        fraud_score=fraud,
        fraud_signals=signals,
        score=score,
        threshold=threshold,
        status=ReviewStatus.HELD if held else ReviewStatus.CLEAR,
        model_version=version,
    )
    Sighting.objects.create(
        kind=Sighting.Kind.ORDER,
        user_id=order.customer.user_id if order.customer is not None else None,
        order=order,
        ip_address=client.ip_address,
        device=client.device,
        ip_country=client.ip_country,
        created_at=order.placed_at,
    )
    if held:
        audit.record(
            action="risk.held",
            actor=None,
            target=order,
            customer=order.customer,
            summary=f"Order {order.number} held for review: risk {score} ≥ {threshold}",
            data={"score": score, "stick": stick, "fraud": fraud},
        )
    return assessment


def note_payment_declined(*, user: Any) -> None:
    """Remember a declined card attempt (a fraud signal for the next attempt)."""
    client = clients.current()
    Sighting.objects.create(
        kind=Sighting.Kind.DECLINE,
        user=user if getattr(user, "is_authenticated", False) else None,
        ip_address=client.ip_address,
        device=client.device,
        ip_country=client.ip_country,
        created_at=timezone.now(),
    )


def _lock_held(order: Order) -> RiskAssessment:
    assessment = RiskAssessment.objects.select_for_update().filter(order=order).first()
    if assessment is None or assessment.status != ReviewStatus.HELD:
        raise RiskError(_("This order is not waiting for a risk review."))
    return assessment


def approve_held_order(*, order: Order, actor: Any, note: str = "") -> RiskAssessment:
    """Release a held order to fulfilment; the decision (genuine) is kept as a label."""
    with transaction.atomic():
        assessment = _lock_held(order)
        return _decide(assessment, order=order, actor=actor, note=note, approved=True)


def cancel_held_order(*, order: Order, actor: Any, note: str = "") -> RiskAssessment:
    """Cancel a held order through the order lifecycle (stock back, money refunded through the
    payment's own path); the decision (not genuine) is kept as a label. Raises `RiskError`, or
    the lifecycle's `OrderError` / `PaymentError` (nothing changed in any case)."""
    from rapport.orders.lifecycle import advance_order
    from rapport.orders.models import OrderStatus

    with transaction.atomic():
        assessment = _lock_held(order)
        advance_order(
            order=order,
            to=OrderStatus.CANCELLED,
            actor=actor,
            note=_("cancelled after risk review"),
        )
        return _decide(assessment, order=order, actor=actor, note=note, approved=False)


def _decide(
    assessment: RiskAssessment, *, order: Order, actor: Any, note: str, approved: bool
) -> RiskAssessment:
    """Record a manager's decision on a held order (it becomes a label) and audit it."""
    assessment.status = ReviewStatus.APPROVED if approved else ReviewStatus.CANCELLED
    assessment.decided_by = actor
    assessment.decided_at = timezone.now()
    assessment.decision_note = note[:500]
    assessment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    verb = "approved" if approved else "cancelled"
    audit.record(
        action=f"risk.{verb}",
        actor=actor,
        target=order,
        customer=order.customer,
        summary=f"Order {order.number} {verb} after risk review",
        data={"score": assessment.score, "note": note[:500]},
    )
    return assessment


def save_risk_rules(
    *, actor: Any, threshold: int, rules: dict[str, tuple[int, Decimal, bool]]
) -> None:
    """Set the hold threshold and each rule's (weight, parameter, active); one audit entry."""
    if not 0 <= threshold <= 100:
        raise RiskError(_("The threshold is a score from 0 to 100."))
    for code, (weight, parameter, _active) in rules.items():
        if not 0 <= weight <= 100 or parameter < 0:
            raise RiskError(
                _("Rule “%(code)s”: weight 0 to 100 and a parameter of 0 or more.") % {"code": code}
            )
    with transaction.atomic():
        current_rules()
        settings_row = RiskSettings.objects.select_for_update().get_or_create(pk=1)[0]
        before = settings_row.hold_threshold
        settings_row.hold_threshold = threshold
        settings_row.save(update_fields=["hold_threshold", "updated_at"])
        for rule in FraudRule.objects.select_for_update().filter(code__in=rules).order_by("pk"):
            rule.weight, rule.parameter, rule.is_active = rules[rule.code]
            rule.save(update_fields=["weight", "parameter", "is_active"])
        audit.record(
            action="risk.rules_changed",
            actor=actor,
            summary=f"Risk rules changed (threshold {before} → {threshold})",
            data={
                "threshold": threshold,
                "rules": {c: [w, str(p), a] for c, (w, p, a) in rules.items()},
            },
        )
