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
