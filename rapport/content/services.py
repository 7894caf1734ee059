"""Writes for content outside Wagtail's editor: archiving and restoring pages.

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
