"""Who may manage which staff account: managers, every staff account except superusers'."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rapport.accounts.models import ApiToken, User
from rapport.accounts.roles import is_manager


def staff_visible_to(user: Any) -> QuerySet[User]:
    if not is_manager(user):
        return User.objects.none()
    members = User.objects.filter(is_staff=True)
    if not user.is_superuser:
        members = members.filter(is_superuser=False)
    return members


def get_staff_member_for(user: Any, pk: Any) -> User:
    """A staff account the manager `user` may manage; Http404 otherwise."""
    try:
        return staff_visible_to(user).get(pk=pk)
    except (ValidationError, User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such staff member") from exc


def get_api_token_of(user: Any, public_id: Any) -> ApiToken:
    """One of `user`'s own API tokens; Http404 for anyone else's (staff included) or none."""
    try:
        return ApiToken.objects.get(user=user, public_id=public_id)
    except (ApiToken.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such token") from exc
