"""Staff roles are Django groups. A manager can do everything an employee can."""

from __future__ import annotations

from typing import Any

EMPLOYEE = "Employee"
MANAGER = "Manager"
ROLES = (EMPLOYEE, MANAGER)


def is_staff_member(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def has_role(user: Any, role: str) -> bool:
    if not is_staff_member(user):
        return False
    if user.is_superuser:
        return True
    names = _group_names(user)
    if role == EMPLOYEE:
        return bool(names & {EMPLOYEE, MANAGER})
    return role in names


def is_employee(user: Any) -> bool:
    return has_role(user, EMPLOYEE)


def is_manager(user: Any) -> bool:
    return has_role(user, MANAGER)


def _group_names(user: Any) -> set[str]:
    cached = getattr(user, "_rapport_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._rapport_group_names = cached
    return cached
