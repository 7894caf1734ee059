"""Manager reports (issue 19): the list, one report (filters, chart, tables), its CSV/XLSX
export (audited), and the page where a manager grants reports to employees."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.roles import EMPLOYEE, MANAGER, is_manager
from rapport.analytics.access import can_view_report, visible_reports
from rapport.analytics.exports import FORMATS
from rapport.analytics.models import ReportGrant
from rapport.analytics.queries import filter_choices
from rapport.analytics.reports import REPORTS, FilterError, Filters, parse_filters
from rapport.analytics.services import AnalyticsError, export_report, set_report_grant
from rapport.core.access import employee_required, manager_required


@employee_required
def report_list(request: HttpRequest) -> HttpResponse:
    codes = visible_reports(request.user)
    return render(
        request,
        "portal/reports/list.html",
        {"reports": [REPORTS[c] for c in codes], "is_manager": is_manager(request.user)},
    )


def _filters(request: HttpRequest) -> Filters:
    try:
        return parse_filters(request.GET)
    except FilterError as exc:
        messages.error(request, str(exc))
        return parse_filters({})


@employee_required
def report(request: HttpRequest, code: str) -> HttpResponse:
    if not can_view_report(request.user, code):
        return redirect("storefront:home")
    spec = REPORTS[code]
    filters = _filters(request)
    data = spec.build(filters)
    return render(
        request,
        "portal/reports/report.html",
        {
            "spec": spec,
            "data": data,
            "chart": data.chart_json(),
            "filters": filters,
            "query": filters.query(),
            "choices": filter_choices(),
        },
    )


@employee_required
def report_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if not can_view_report(request.user, code) or fmt not in FORMATS:
        return redirect("storefront:home")
    filters = _filters(request)
    data = REPORTS[code].build(filters)
    try:
        content = export_report(
            actor=request.user, data=data, filters=filters, fmt=fmt, request=request
        )
    except AnalyticsError as exc:
        messages.error(request, str(exc))
        return redirect("portal:report", code=code)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    name = f"{code}_{filters.start:%Y%m%d}_{filters.end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@manager_required
def report_grants(request: HttpRequest) -> HttpResponse:
    employees = list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=EMPLOYEE)
        .exclude(groups__name=MANAGER)
        .order_by("email")
        .distinct()
    )
    granted = set(ReportGrant.objects.filter(user__in=employees).values_list("user_id", "report"))
    rows = [
        (e, [(spec, (e.pk, spec.code) in granted) for spec in REPORTS.values()]) for e in employees
    ]
    return render(
        request, "portal/reports/grants.html", {"rows": rows, "reports": REPORTS.values()}
    )


@manager_required
@require_POST
def report_grant_toggle(request: HttpRequest) -> HttpResponse:
    user = get_user_model().objects.filter(pk=request.POST.get("user", "0") or 0).first()
    if user is None:
        messages.error(request, _("Unknown employee."))
        return redirect("portal:report_grants")
    try:
        set_report_grant(
            actor=request.user,
            user=user,
            report=request.POST.get("report", ""),
            granted=request.POST.get("granted") == "1",
        )
    except AnalyticsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Report access saved."))
    return redirect("portal:report_grants")
