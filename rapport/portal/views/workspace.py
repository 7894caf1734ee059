"""The employee's day: the task list (a fragment the page refreshes when the websocket says
something changed, and every half minute), notes from colleagues, notes on records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.models import User
from rapport.accounts.roles import is_manager
from rapport.aftersales.access import get_ticket_for
from rapport.chat.queries import staff_users
from rapport.core.access import employee_required, manager_required
from rapport.customers.access import get_customer_for_staff
from rapport.orders.access import get_order_for
from rapport.workspace import queries
from rapport.workspace.access import get_note_for_staff, get_team_for_manager
from rapport.workspace.models import Team
from rapport.workspace.services import (
    WorkspaceError,
    add_note,
    complete_note,
    create_team,
    set_team_members,
)

NOTE_TARGETS = ("customer", "order", "ticket")


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def tasks_context(request: HttpRequest) -> dict[str, Any]:
    me = _me(request)
    return {
        "groups": {g.key: g for g in queries.day_tasks(me)},
        "team_load": queries.team_load(me) if is_manager(me) else [],
    }


@employee_required
def tasks(request: HttpRequest) -> HttpResponse:
    """The task list alone, for the dashboard's live refresh."""
    return render(request, "portal/workspace/_tasks.html", tasks_context(request))


def _due(raw: str) -> datetime | None:
    if not raw:
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        raise WorkspaceError(_("Give the follow-up time as a date and time."))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _colleague(raw: str) -> User | None:
    if not raw:
        return None
    try:
        return staff_users().get(pk=int(raw))
    except (ValueError, User.DoesNotExist) as exc:
        raise WorkspaceError(_("Choose a colleague.")) from exc


@employee_required
@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest) -> HttpResponse:
    """My notes: what colleagues wrote to me or about me (@), and a note to a colleague."""
    me = _me(request)
    error = ""
    if request.method == "POST":
        try:
            add_note(
                actor=me,
                body=request.POST.get("body", ""),
                to_user=_colleague(request.POST.get("to", "")),
                due_at=_due(request.POST.get("due_at", "")),
            )
        except WorkspaceError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Note sent."))
            return redirect("portal:notes")
    return render(
        request,
        "portal/workspace/notes.html",
        {
            "inbox": queries.inbox(me)[:100],
            "follow_ups": queries.follow_ups(me)[:100],
            "colleagues": staff_users().exclude(pk=me.pk),
            "error": error,
        },
        status=400 if error else 200,
    )


def _target(request: HttpRequest, kind: str, public_id: Any) -> dict[str, Any]:
    me = _me(request)
    if kind == "customer":
        return {"customer": get_customer_for_staff(me, public_id)}
    if kind == "order":
        return {"order": get_order_for(me, public_id)}
    if kind == "ticket":
        return {"ticket": get_ticket_for(me, public_id)}
    raise Http404


@employee_required
@require_http_methods(["GET", "POST"])
def notes_on(request: HttpRequest, kind: str, public_id: Any) -> HttpResponse:
    """Notes on a customer, an order or a ticket (a fragment the record's page loads)."""
    target = _target(request, kind, public_id)
    error = ""
    if request.method == "POST":
        try:
            add_note(
                actor=_me(request),
                body=request.POST.get("body", ""),
                to_user=_colleague(request.POST.get("to", "")),
                due_at=_due(request.POST.get("due_at", "")),
                **target,
            )
        except WorkspaceError as exc:
            error = str(exc)
    return render(
        request,
        "portal/workspace/_notes_on.html",
        {
            "notes": queries.notes_on(**target)[:50],
            "kind": kind,
            "public_id": public_id,
            "colleagues": staff_users().exclude(pk=_me(request).pk),
            "error": error,
        },
        status=400 if error else 200,
    )


@employee_required
@require_POST
def note_done(request: HttpRequest, public_id: Any) -> HttpResponse:
    note = get_note_for_staff(_me(request), public_id)
    try:
        complete_note(note=note, actor=_me(request))
    except WorkspaceError as exc:
        messages.error(request, str(exc))
    return redirect(request.POST.get("next", "") if _safe(request) else "portal:notes")


def _safe(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@manager_required
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    """Managers: the teams, and a new one."""
    error = ""
    if request.method == "POST":
        try:
            team = create_team(name=request.POST.get("name", ""), actor=_me(request))
        except WorkspaceError as exc:
            error = str(exc)
        else:
            return redirect("portal:team_detail", public_id=team.public_id)
    return render(
        request,
        "portal/workspace/teams.html",
        {"teams": Team.objects.prefetch_related("members"), "error": error},
        status=400 if error else 200,
    )


@manager_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Managers: who is in a team (its private chat room follows at once)."""
    team = get_team_for_manager(_me(request), public_id)
    staff = list(staff_users().order_by("email"))
    error = ""
    if request.method == "POST":
        wanted = set(request.POST.getlist("members"))
        try:
            set_team_members(
                team=team, members=[u for u in staff if str(u.pk) in wanted], actor=_me(request)
            )
        except WorkspaceError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("portal:team_detail", public_id=team.public_id)
    members = set(team.members.values_list("pk", flat=True))
    return render(
        request,
        "portal/workspace/team_detail.html",
        {"team": team, "staff": [(u, u.pk in members) for u in staff], "error": error},
        status=400 if error else 200,
    )
