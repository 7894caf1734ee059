"""Content for staff: the archive of pages (search, archive, restore). Writing and publishing
happen in the content admin (Wagtail) behind the same staff entrance."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.roles import is_manager
from rapport.content import queries, services
from rapport.content.models import ArticlePage
from rapport.content.roles import has_content_role, is_content_editor
from rapport.core.access import employee_required


@employee_required
@require_GET
def content_archive(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    show_all = request.GET.get("all") == "1"
    pages = queries.archive_search(query, archived_only=not show_all)
    return render(
        request,
        "portal/content/archive.html",
        {
            "page": Paginator(pages, 50).get_page(request.GET.get("page")),
            "q": query,
            "show_all": show_all,
            "can_edit": is_content_editor(request.user),
            "can_open_admin": has_content_role(request.user),
            "can_give_roles": is_manager(request.user),
        },
    )


@employee_required
@require_POST
def content_archive_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_content_editor(request.user):
        return HttpResponseForbidden()
    page = get_object_or_404(ArticlePage, pk=pk)
    try:
        if page.archived_at is None:
            services.archive_page(page=page, actor=request.user)
        else:
            services.restore_page(page=page, actor=request.user)
    except services.ContentError as exc:
        messages.error(request, str(exc))
    return redirect("portal:content_archive")


@employee_required
@require_GET
def site_check(request: HttpRequest) -> HttpResponse:
    from rapport.content.checker.kinds import LABELS
    from rapport.content.models import CheckRun

    run = CheckRun.objects.filter(finished_at__isnull=False).first()
    kind = request.GET.get("kind", "")
    faults = run.faults.all() if run is not None else None
    if faults is not None and kind:
        faults = faults.filter(kind=kind)
    counts: dict[str, int] = {}
    if run is not None:
        for name in run.faults.values_list("kind", flat=True):
            counts[name] = counts.get(name, 0) + 1
    return render(
        request,
        "portal/content/site_check.html",
        {
            "run": run,
            "kind": kind,
            "counts": [(k, LABELS.get(k, k), n) for k, n in sorted(counts.items())],
            "labels": LABELS,
            "page": Paginator(faults, 100).get_page(request.GET.get("page"))
            if faults is not None
            else None,
            "can_run": has_content_role(request.user) or is_manager(request.user),
        },
    )


@employee_required
@require_POST
def site_check_run(request: HttpRequest) -> HttpResponse:
    if not (has_content_role(request.user) or is_manager(request.user)):
        return HttpResponseForbidden()
    from rapport.content.tasks import check_site

    check_site.delay(trigger="portal")
    messages.success(request, _("The site check has started; its report appears here when done."))
    return redirect("portal:site_check")


def _manager_or_403(request: HttpRequest) -> HttpResponse | None:
    return None if is_manager(request.user) else HttpResponseForbidden()


@employee_required
@require_GET
def content_roles(request: HttpRequest) -> HttpResponse:
    """Managers give staff members a content role (none, writer, editor)."""
    if (refused := _manager_or_403(request)) is not None:
        return refused
    from rapport.accounts.access import staff_visible_to
    from rapport.content.roles import EDITOR, WRITER, content_role_of

    members = staff_visible_to(request.user).filter(is_active=True).order_by("email")
    members = members.prefetch_related("groups")
    return render(
        request,
        "portal/content/roles.html",
        {
            "rows": [(m, content_role_of(m)) for m in members],
            "choices": [("", _("None")), (WRITER, _("Writer")), (EDITOR, _("Editor"))],
        },
    )


@employee_required
@require_POST
def content_role_set(request: HttpRequest, pk: int) -> HttpResponse:
    if (refused := _manager_or_403(request)) is not None:
        return refused
    from rapport.accounts.access import get_staff_member_for

    member = get_staff_member_for(request.user, pk)
    try:
        services.set_content_role(
            actor=request.user, member=member, role=request.POST.get("role", ""), request=request
        )
    except services.ContentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Content role changed."))
    return redirect("portal:content_roles")
