"""Writes of the analytics domain: grant or withdraw a report, and export one (audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_employee, is_manager
from rapport.analytics.exports import to_csv, to_xlsx
from rapport.analytics.models import ReportGrant
from rapport.analytics.reports import REPORTS, Filters, ReportData
from rapport.core import audit


class AnalyticsError(Exception):
    """A report change that cannot be made; the message is safe to show."""


def set_report_grant(*, actor: Any, user: Any, report: str, granted: bool) -> None:
    """Let `user` (an employee) see `report`, or stop it; one audit entry when it changes."""
    if report not in REPORTS:
        raise AnalyticsError(_("Unknown report."))
    if not is_employee(user) or is_manager(user):
        raise AnalyticsError(_("Reports are granted to employees; managers see them all."))
    with transaction.atomic():
        if granted:
            _grant, changed = ReportGrant.objects.get_or_create(
                user=user, report=report, defaults={"granted_by": actor}
            )
        else:
            changed = ReportGrant.objects.filter(user=user, report=report).delete()[0] > 0
        if changed:
            audit.record(
                action="analytics.granted" if granted else "analytics.revoked",
                actor=actor,
                target=user,
                summary=f"Report {report} {'granted to' if granted else 'withdrawn from'} {user}",
                data={"report": report},
            )


def export_report(
    *, actor: Any, data: ReportData, filters: Filters, fmt: str, request: Any = None
) -> bytes:
    """The report as CSV or XLSX bytes; audited (who exported what, with which filters)."""
    if fmt not in ("csv", "xlsx"):
        raise AnalyticsError(_("Export as CSV or XLSX."))
    content = to_csv(data) if fmt == "csv" else to_xlsx(data)
    audit.record(
        action="analytics.exported",
        actor=actor,
        summary=f"Report {data.code} exported as {fmt.upper()}",
        data={"report": data.code, "format": fmt, "filters": filters.query()},
        request=request,
    )
    return content
