"""Who may see which report: managers see all; an employee sees the ones a manager granted."""

from __future__ import annotations

from typing import Any

from rapport.accounts.roles import is_employee, is_manager
from rapport.analytics.models import ReportGrant
from rapport.analytics.reports import REPORTS


def can_view_report(user: Any, code: str) -> bool:
    if code not in REPORTS or not is_employee(user):
        return False
    return is_manager(user) or ReportGrant.objects.filter(user=user, report=code).exists()


def visible_reports(user: Any) -> list[str]:
    if is_manager(user):
        return list(REPORTS)
    if not is_employee(user):
        return []
    granted = set(ReportGrant.objects.filter(user=user).values_list("report", flat=True))
    return [code for code in REPORTS if code in granted]
