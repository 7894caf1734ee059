"""Content roles are Django groups next to the staff roles: a Writer creates and edits pages and
submits them for review; an Editor also publishes (Wagtail page permissions and the "Editor
review" workflow, set up by migration 0002). Both need a staff role (Employee or Manager) and the
staff entrance's second factor to reach the content admin at all."""

from __future__ import annotations

from typing import Any

from rapport.accounts.roles import _group_names, is_employee

WRITER = "Writer"
EDITOR = "Editor"
CONTENT_ROLES = (WRITER, EDITOR)
WORKFLOW_NAME = "Editor review"


def has_content_role(user: Any) -> bool:
    if not is_employee(user):
        return False
    return bool(user.is_superuser or _group_names(user) & set(CONTENT_ROLES))


def is_content_editor(user: Any) -> bool:
    return bool(is_employee(user) and (user.is_superuser or EDITOR in _group_names(user)))


def content_role_of(user: Any) -> str:
    """The user's content role: "" (none), WRITER or EDITOR (the higher if both)."""
    names = _group_names(user)
    if EDITOR in names:
        return EDITOR
    return WRITER if WRITER in names else ""
