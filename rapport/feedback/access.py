"""Access helpers for reviews: staff moderate any review; nobody else reaches this helper."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.feedback.models import ProductReview


def get_review_for_staff(user: Any, public_id: Any) -> ProductReview:
    if not is_employee(user):
        raise Http404
    review = ProductReview.objects.select_related("product").filter(public_id=public_id).first()
    if review is None:
        raise Http404
    return review
