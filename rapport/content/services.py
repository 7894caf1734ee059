"""Writes for content outside Wagtail's editor: archiving and restoring pages, and the content
roles managers give staff members.

An archived page stays published at its URL (with an "archived" notice, or a 301 to its
successor) but leaves every menu, listing and home-page block; restoring brings it back."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.content.models import ArticlePage
from rapport.core import audit
from rapport.segments import cache as segments_cache


class ContentError(Exception):
    """A content change that cannot be made; the message is safe to show."""


def archive_page(*, page: ArticlePage, actor: Any) -> ArticlePage:
    with transaction.atomic():
        locked = ArticlePage.objects.select_for_update().get(pk=page.pk)
        if locked.archived_at is not None:
            raise ContentError(_("This page is already archived."))
        if locked.depth <= 3:  # the site's home and its sections hold the tree
            raise ContentError(_("The home page and its sections cannot be archived."))
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at"])
        audit.record(action="content.archived", actor=actor, target=locked, summary=locked.title)
        transaction.on_commit(segments_cache.bump_version)
        return locked


def restore_page(*, page: ArticlePage, actor: Any) -> ArticlePage:
    with transaction.atomic():
        locked = ArticlePage.objects.select_for_update().get(pk=page.pk)
        if locked.archived_at is None:
            raise ContentError(_("This page is not archived."))
        locked.archived_at = None
        locked.save(update_fields=["archived_at"])
        audit.record(action="content.restored", actor=actor, target=locked, summary=locked.title)
        transaction.on_commit(segments_cache.bump_version)
        return locked


def set_content_role(*, actor: Any, member: Any, role: str, request: Any = None) -> Any:
    """Give a staff member one content role, or none (role ""): Writer or Editor group
    membership on top of their staff role. Audited. Raises ContentError for an unknown role,
    an account that is not staff, or one's own account."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from rapport.content.roles import CONTENT_ROLES

    if role not in ("", *CONTENT_ROLES):
        raise ContentError(_("Unknown content role."))
    if member.pk == actor.pk:
        raise ContentError(_("You cannot change your own content role."))
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=member.pk)
        if not locked.is_staff:
            raise ContentError(_("Only staff members can have a content role."))
        before = sorted(locked.groups.filter(name__in=CONTENT_ROLES).values_list("name", flat=True))
        if before == ([role] if role else []):
            return locked
        locked.groups.remove(*Group.objects.filter(name__in=CONTENT_ROLES))
        if role:
            locked.groups.add(Group.objects.get(name=role))
        audit.record(
            action="content.role_changed",
            actor=actor,
            target=locked,
            request=request,
            summary=f"Content role changed from {', '.join(before) or 'none'} to {role or 'none'}",
            data={"from": before, "to": role},
        )
        return locked
