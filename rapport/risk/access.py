"""The one way views fetch a risk assessment: managers only, by the order's public id."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from rapport.accounts.roles import is_manager
from rapport.risk.models import RiskAssessment


def get_assessment_for(user: Any, order_public_id: Any) -> RiskAssessment:
    """The assessment of an order for a manager; 404 for anyone else or an unknown order."""
    if not is_manager(user):
        raise Http404
    found = (
        RiskAssessment.objects.select_related("order", "order__customer", "decided_by")
        .filter(order__public_id=order_public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found
