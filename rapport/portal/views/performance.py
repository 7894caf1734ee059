"""An employee's performance: their figures by week or month, and their personal report files.

Managers also see the members of their teams. Report files are downloaded only by their owner
and managers, always as an attachment (never shown inline by the browser).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from rapport.accounts.models import User
from rapport.accounts.roles import is_manager
from rapport.core.access import employee_required
from rapport.core.dates import format_date
from rapport.workspace import performance
from rapport.workspace.access import (
    get_performance_subject,
    get_report_file_for,
    team_members_of,
)
from rapport.workspace.models import ReportFile, ReportFileKind
from rapport.workspace.reportfiles import (
    CONTENT_TYPES,
    ReportFileError,
    open_for_download,
    upload_report_file,
)


class ReportFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Report file (PDF, XLSX or DOCX)"))


def _period(request: HttpRequest) -> str:
    wanted = request.GET.get("period", performance.WEEK)
    return wanted if wanted in performance.PERIODS else performance.WEEK


def _label(start: Any, period: str) -> str:
    if period == performance.MONTH:
        return start.strftime("%Y-%m")
    return _("Week of %(day)s") % {"day": format_date(start)}


def _context(request: HttpRequest, subject: User) -> dict[str, Any]:
    period = _period(request)
    rows = performance.figures(subject, period=period)
    labels = [_label(r.start, period) for r in rows]
    names = {"orders": _("Orders handled"), "tickets": _("Tickets resolved"), "chats": _("Chats")}
    return {
        "subject": subject,
        "period": period,
        "rows": list(zip(labels, rows, strict=True)),
        "chart": performance.chart(rows, labels, names),
        "files": ReportFile.objects.filter(owner=subject)[:50],
    }


@employee_required
@require_http_methods(["GET", "POST"])
def my_performance(request: HttpRequest) -> HttpResponse:
    """My figures, my report files (upload), and for a manager their teams' members."""
    me = request.user
    assert isinstance(me, User)
    form = ReportFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload_report_file(owner=me, upload=form.cleaned_data["file"], request=request)
        except ReportFileError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("Report file uploaded."))
            return redirect("portal:performance")
    context = _context(request, me)
    members: list[tuple[User, performance.Figures]] = []
    if is_manager(me):
        period = context["period"]
        members = [
            (m, performance.figures(m, period=period, count=1)[0]) for m in team_members_of(me)
        ]
    return render(
        request,
        "portal/performance/page.html",
        {**context, "form": form, "own": True, "members": members},
        status=400 if form.errors else 200,
    )


@employee_required
@require_GET
def member_performance(request: HttpRequest, user_id: int) -> HttpResponse:
    """A team member's figures and files, for their manager (or oneself)."""
    subject = get_performance_subject(request.user, user_id)
    if subject.pk == request.user.pk:
        return redirect("portal:performance")
    return render(
        request, "portal/performance/page.html", {**_context(request, subject), "own": False}
    )


@employee_required
@require_GET
def report_file_download(request: HttpRequest, public_id: str) -> HttpResponse:
    report = get_report_file_for(request.user, public_id)
    # At most RAPPORT_REPORT_FILE_MAX_BYTES: read whole, sent as an attachment only.
    with open_for_download(report=report, actor=request.user, request=request) as handle:
        response = HttpResponse(
            handle.read(), content_type=CONTENT_TYPES[ReportFileKind(report.kind)]
        )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{report.title}.{report.kind}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
