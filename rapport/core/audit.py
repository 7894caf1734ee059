"""The single write path to the audit log (and so to every customer's timeline)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.http import HttpRequest
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.core.sql import column, table

if TYPE_CHECKING:
    from rapport.customers.models import Customer


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address. REMOTE_ADDR only: forwarded headers are set by the proxy layer."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _entry(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    customer: Customer | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
    at: Any = None,
) -> AuditEntry:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry(
        created_at=at or timezone.now(),
        action=action,
        actor=actor,
        actor_label=str(actor) if actor is not None else "system",
        ip_address=ip_address or client_ip(request),
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:255] if target is not None else "",
        customer=customer,
        summary=summary[:500],
        data=data or {},
    )


def record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    customer: Customer | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
    at: Any = None,
) -> AuditEntry:
    """Append one audit entry. Pass `customer` to put it on that customer's timeline.

    `actor` is a user or None (the system). Call it inside the service's transaction so the entry
    exists exactly when the change it describes does.
    """
    entry = _entry(
        action=action,
        actor=actor,
        target=target,
        customer=customer,
        summary=summary,
        data=data,
        request=request,
        ip_address=ip_address,
        at=at,
    )
    entry.save(force_insert=True)
    return entry


def record_many(entries: list[dict[str, Any]]) -> list[AuditEntry]:
    """Append many audit entries in one statement (batch jobs: a nightly refresh that changes
    thousands of records). Each dict takes `record`'s keyword arguments."""
    return AuditEntry.objects.bulk_create([_entry(**kwargs) for kwargs in entries], 1000)


def record_for_customers(
    *, action: str, actor: Any, entries: Sequence[tuple[int, str, dict[str, Any]]], at: Any = None
) -> int:
    """Append one entry per `(customer_id, summary, data)` to those customers' timelines, all
    with the same action, actor and time and no target: the entries `record_many` would write
    for them, in one `INSERT … SELECT` on PostgreSQL (a batch job's thousands of entries cost
    two orders of magnitude less than building a model instance each). Returns the count."""
    if not entries:
        return 0
    at = at or timezone.now()
    if connection.vendor != "postgresql":
        built = []
        for pk, summary, data in entries:
            entry = _entry(action=action, actor=actor, summary=summary, data=data, at=at)
            entry.customer_id = pk
            built.append(entry)
        return len(AuditEntry.objects.bulk_create(built, 1000))
    probe = _entry(action=action, actor=actor, at=at)
    fields = (
        "created_at",
        "action",
        "actor",
        "actor_label",
        "ip_address",
        "object_type",
        "object_id",
        "object_label",
        "customer",
        "summary",
        "data",
    )
    columns = ", ".join(column(AuditEntry, name) for name in fields)
    rows = json.dumps([[pk, summary[:500], data] for pk, summary, data in entries])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table(AuditEntry)} ({columns})
            SELECT %s, %s, %s, %s, NULL, '', '', '', (e ->> 0)::bigint, e ->> 1, e -> 2
            FROM jsonb_array_elements(%s::jsonb) AS e
            """,  # noqa: S608
            [probe.created_at, probe.action, probe.actor_id, probe.actor_label, rows],
        )
        return cursor.rowcount


# --- Privileged paths (see docs/adr/0002-erasure-vs-append-only-audit.md) ----------------------
# The audit log is append-only for application code: `AuditEntryQuerySet.update` refuses. Two
# legal duties need to change existing entries: erasing a person's data (the right to erasure
# beats the log's immutability for *personal data*, never for the facts) and merging duplicate
# records (the history must follow the person). These two functions are the only code that
# bypasses the guard; each writes its own audit entry saying what it did and who asked.

REDACTED = "[erased]"


def _privileged_update(queryset: models.QuerySet[AuditEntry], **values: Any) -> int:
    """Update audit rows past the append-only guard. Only the functions below may call this."""
    return models.QuerySet.update(queryset, **values)


def _scrub(value: Any, patterns: list[Any]) -> Any:
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(REDACTED, value)
        return value
    if isinstance(value, list):
        return [_scrub(item, patterns) for item in value]
    if isinstance(value, dict):
        return {_scrub(k, patterns): _scrub(v, patterns) for k, v in value.items()}
    return value


def redact_personal_data(*, customer: Customer, strings: list[str], actor: Any) -> int:
    """Replace every occurrence of `strings` (emails, phones, names…) in audit entries.

    Looks at the customer's own timeline and at any other entry whose labels, summary or data
    mention one of the strings (an employee's note on another record, a login attempt).
    The facts stay (action, time, actor, object ids); only the personal text goes. Writes one
    `audit.redacted` entry without the strings. Returns how many entries were changed.
    """
    import re

    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    needles = sorted({s.strip() for s in strings if s and len(s.strip()) >= 3}, key=len)[::-1]
    if not needles:
        return 0
    patterns = [re.compile(re.escape(n), re.IGNORECASE) for n in needles]
    mentions = Q(customer=customer)
    for needle in needles:
        mentions |= (
            Q(summary__icontains=needle)
            | Q(object_label__icontains=needle)
            | Q(actor_label__icontains=needle)
            | Q(data_text__icontains=needle)
        )
    entries = AuditEntry.objects.annotate(data_text=Cast("data", TextField())).filter(mentions)
    changed = 0
    for entry in entries.iterator():
        values = {
            "summary": _scrub(entry.summary, patterns),
            "object_label": _scrub(entry.object_label, patterns),
            "actor_label": _scrub(entry.actor_label, patterns),
            "data": _scrub(entry.data, patterns),
        }
        if any(getattr(entry, k) != v for k, v in values.items()):
            changed += _privileged_update(AuditEntry.objects.filter(pk=entry.pk), **values)
    record(
        action="audit.redacted",
        actor=actor,
        target=customer,
        customer=customer,
        summary="Personal data removed from the audit log (erasure)",
        data={"entries_changed": changed, "strings": len(needles)},
    )
    return changed


def repoint_customer(*, source: Customer, target: Customer, actor: Any) -> int:
    """Move every timeline entry of `source` to `target` (merging duplicate records).

    Each moved entry keeps its facts; `data.merged_from` is not added (rows are not rewritten
    beyond the customer link) — the `audit.repointed` entry records the move. Returns the count.
    """
    moved = _privileged_update(AuditEntry.objects.filter(customer=source), customer=target)
    record(
        action="audit.repointed",
        actor=actor,
        target=target,
        customer=target,
        summary=f"Timeline of record {source.public_id} merged into this one",
        data={"from": str(source.public_id), "entries": moved},
    )
    return moved
