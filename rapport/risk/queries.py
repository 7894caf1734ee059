"""Reads of the order-risk domain: is an order held, the review queue, reasons in words."""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.risk.features import FEATURES, explain
from rapport.risk.models import ReviewStatus, RiskAssessment
from rapport.risk.rules import reason


def is_held(order_id: int) -> bool:
    """True while the order waits for a risk review (fulfilment must not go on)."""
    return RiskAssessment.objects.filter(order_id=order_id, status=ReviewStatus.HELD).exists()


def review_queue(status: str = ReviewStatus.HELD) -> QuerySet[RiskAssessment]:
    """Assessments in `status`, riskiest first, with their order and customer."""
    return (
        RiskAssessment.objects.filter(status=status)
        .select_related("order", "order__customer", "decided_by")
        .order_by("-score", "-created_at")
    )


def stick_reasons(assessment: RiskAssessment) -> list[str]:
    """Why the order might not stick, in the reader's language (plain text)."""
    values = [float(assessment.features.get(name, 0.0)) for name in FEATURES]
    return explain(values) if assessment.features else []


def fraud_reasons(assessment: RiskAssessment) -> list[tuple[str, int]]:
    """Each fired fraud rule in words, with its weight."""
    return [
        (reason(s["code"], float(s["value"]), float(s.get("parameter", 0))), int(s["weight"]))
        for s in assessment.fraud_signals
    ]
