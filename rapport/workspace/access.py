"""The only ways interface code fetches workspace objects (teams, notes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.workspace.models import Note, Team


def get_team_for_member(user: Any, public_id: Any) -> Team:
    """A team this staff member belongs to; Http404 for any other team or person."""
    if not is_employee(user):
        raise Http404
    try:
        return Team.objects.filter(members=user).get(public_id=public_id)
    except (Team.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such team") from exc


def get_note_for_staff(user: Any, public_id: Any) -> Note:
    """Any note, for staff (notes are shared like the customer record); Http404 otherwise."""
    if not is_employee(user):
        raise Http404
    try:
        return Note.objects.get(public_id=public_id)
    except (Note.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such note") from exc


def get_team_for_manager(user: Any, public_id: Any) -> Team:
    """Any team, for managers (who decide who works together); Http404 for anyone else."""
    from rapport.accounts.roles import is_manager

    if not is_manager(user):
        raise Http404
    try:
        return Team.objects.get(public_id=public_id)
    except (Team.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such team") from exc


def get_report_file_for(user: Any, public_id: Any) -> Any:
    """A personal report file for its owner or a manager; Http404 for anyone else."""
    from rapport.accounts.roles import is_manager
    from rapport.workspace.models import ReportFile

    if not is_employee(user):
        raise Http404
    files = ReportFile.objects.select_related("owner")
    if not is_manager(user):
        files = files.filter(owner=user)
    try:
        return files.get(public_id=public_id)
    except (ReportFile.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such file") from exc


def team_members_of(manager: Any) -> Any:
    """The active staff in the teams this manager belongs to (themselves included)."""
    from rapport.accounts.models import User
    from rapport.accounts.roles import is_manager

    if not is_manager(manager):
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, is_staff=True, teams__members=manager)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def get_performance_subject(viewer: Any, user_id: Any) -> Any:
    """Whose figures `viewer` may see: their own, or (a manager) a member of their teams."""
    if not is_employee(viewer):
        raise Http404
    try:
        wanted = int(user_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if wanted == viewer.pk:
        return viewer
    member = team_members_of(viewer).filter(pk=wanted).first()
    if member is None:
        raise Http404("Not in your team")
    return member
