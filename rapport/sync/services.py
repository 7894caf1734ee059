"""Applying the operations an offline client pushes, each exactly once.

`push` takes a batch of operations (client-generated ids, a kind, a payload) and applies each,
all or nothing, together with its `AppliedOperation` row: operations that move stock or money
(placing a draft, accepting a quote) in a transaction of their own, the others in one
transaction shared by up to `GROUP_SIZE` of them (one disk flush per group instead of one per
operation). Within it, the common kinds (notes, draft saves, messages) are applied set-based
(`batch.Batch`: each checked on its own, then written with their rows in a few bulk
statements); any other operation — another kind, a refusal, a conflict — runs alone in a
savepoint after what precedes it is written, so its result is exactly the one-by-one result.
The row's `op_id` is unique, so: an id seen before returns the stored result (`replayed`) and
changes nothing; two concurrent pushes of the same id both run, but the second one's insert
waits for the first to commit and then fails, rolling the second effect back (for a bulk write:
all of it, its operations then running one by one), and it answers with the first one's result.

Each kind dispatches to the domain's own service (notes, chat, quotes, drafts) after fetching
its objects through the domain's access helper as the pushing person (`kinds`), so an operation
can do no more than the same person in the portal or the store. A stale version is a `conflict`
carrying the server's current object; a refusal is `rejected` with the service's reason.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from pydantic import ValidationError as PayloadError

from rapport.drafts.services import DraftConflict
from rapport.sync.batch import Batch
from rapport.sync.kinds import (
    HANDLERS,
    REFUSALS,
    SCOPE_OF,
    SEEN,
    Conflict,
    Describe,
    Operation,
    Rejected,
    Result,
)
from rapport.sync.models import AppliedOperation, OperationStatus

__all__ = ["MAX_BATCH", "Operation", "Result", "push"]

MAX_BATCH = 500
# Kinds that move stock or money run in a transaction of their own, so the rows they lock are
# released at once; the others share one transaction per batch (`_grouped`).
OWN_TRANSACTION = frozenset({"draft_order.place", "quote.accept"})
GROUP_SIZE = MAX_BATCH


def push(
    *, actor: Any, scopes: frozenset[str], operations: list[Operation], describe: Describe
) -> list[Result]:
    """Apply `operations` in order, each exactly once (see the module's docstring); one result
    per operation. One query finds the ids already applied, so a retried batch is cheap."""
    token = SEEN.set({})
    try:
        return _push(actor, scopes, operations, describe)
    finally:
        SEEN.reset(token)


def _push(
    actor: Any, scopes: frozenset[str], operations: list[Operation], describe: Describe
) -> list[Result]:
    ids = [op.id for op in operations]
    stored = {row.op_id: row for row in AppliedOperation.objects.filter(op_id__in=ids)}
    results: list[Result] = []
    start = 0
    while start < len(operations):
        if operations[start].kind in OWN_TRANSACTION:
            group = operations[start : start + 1]
            results += [_one(actor, scopes, op, describe, stored) for op in group]
        else:
            end = start
            while (
                end < len(operations)
                and end - start < GROUP_SIZE
                and operations[end].kind not in OWN_TRANSACTION
            ):
                end += 1
            group = operations[start:end]
            results += _grouped(actor, scopes, group, describe, stored)
        start += len(group)
    return results


def _one(
    actor: Any,
    scopes: frozenset[str],
    op: Operation,
    describe: Describe,
    stored: dict[uuid.UUID, AppliedOperation],
) -> Result:
    row = stored.get(op.id)
    if row is not None:
        return _replay(actor, op, row)
    result, row = _apply(actor, scopes, op, describe)
    if row is not None:
        stored[op.id] = row
    return result


def _grouped(
    actor: Any,
    scopes: frozenset[str],
    group: list[Operation],
    describe: Describe,
    stored: dict[uuid.UUID, AppliedOperation],
) -> list[Result]:
    """Light operations share one commit: a commit waits for the disk, a savepoint does not.
    The common ones are applied set-based (`_in_bulk`); should the shared transaction fail (a
    deadlock with another sync), nothing of it stays and the group is applied again one
    transaction per operation."""
    before = dict(stored)
    try:
        with transaction.atomic():
            return _in_bulk(actor, scopes, group, describe, stored)
    except OperationalError:
        stored.clear()
        stored.update(before)
        return [_one(actor, scopes, op, describe, stored) for op in group]


def _in_bulk(
    actor: Any,
    scopes: frozenset[str],
    group: list[Operation],
    describe: Describe,
    stored: dict[uuid.UUID, AppliedOperation],
) -> list[Result]:
    """Plan the group's operations in order into a `Batch` (each checked on its own, exactly
    as `_run` would, against the stored objects and the batch's earlier operations), writing
    the batch with a few bulk statements whenever an operation is not one it can plan — a
    refusal, a conflict, a rarer kind — which then runs alone through `_one` (so it sees every
    earlier operation written and gets its exact result), and at the end."""
    results: list[Result] = []
    batch = Batch(actor, scopes, group)
    for index, op in enumerate(group):
        row = stored.get(op.id)
        if row is not None:
            results.append(_replay(actor, op, row))
            continue
        planned = batch.plan(op, index)
        if planned is not None:
            results.append(planned)
            continue
        _write(actor, scopes, batch, describe, stored, results)
        results.append(_one(actor, scopes, op, describe, stored))
        batch = Batch(actor, scopes, group)
    _write(actor, scopes, batch, describe, stored, results)
    return results


def _write(
    actor: Any,
    scopes: frozenset[str],
    batch: Batch,
    describe: Describe,
    stored: dict[uuid.UUID, AppliedOperation],
    results: list[Result],
) -> None:
    """Write what `batch` planned, with its applied-operation rows, all or nothing. When a
    concurrent push of the same operations (or of an object id one of them creates) got
    there first, the unique ids refuse the write: nothing of it stays, and its operations run
    one by one instead, each replaying the winner's result or refused on its own."""
    if not batch.planned:
        return
    try:
        with transaction.atomic():
            rows = batch.write()
    except (IntegrityError, DraftConflict):
        for index, op in batch.planned:
            results[index] = _one(actor, scopes, op, describe, stored)
        return
    for row in rows:
        stored[row.op_id] = row


def _replay(actor: Any, op: Operation, row: AppliedOperation) -> Result:
    if row.person_id != actor.pk:
        return Result(
            id=str(op.id),
            status=OperationStatus.REJECTED,
            detail=_("This operation id was used by someone else: generate a new one."),
        )
    return Result(**{**row.result, "replayed": True})


class Refused(Exception):
    """Unwinds an operation's transaction (so nothing it wrote stays) carrying its result."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.detail)
        self.result = result


def _apply(
    actor: Any, scopes: frozenset[str], op: Operation, describe: Describe
) -> tuple[Result, AppliedOperation | None]:
    """The operation's effect and its row in one transaction. A conflict or refusal rolls the
    whole transaction back and then records the result alone in a new one (the rare path: the
    common one costs no savepoint of its own)."""
    try:
        with transaction.atomic():
            result = _run(actor, scopes, op, describe)
            return result, _store(actor, op, result)
    except Refused as refused:
        result = refused.result
    except IntegrityError as exc:
        return _after_race(actor, op, exc)
    try:
        with transaction.atomic():
            return result, _store(actor, op, result)
    except IntegrityError as exc:
        return _after_race(actor, op, exc)


def _store(actor: Any, op: Operation, result: Result) -> AppliedOperation:
    return AppliedOperation.objects.create(
        person=actor,
        op_id=op.id,
        kind=op.kind[:40],
        status=result.status,
        result=result.as_dict(),
    )


def _after_race(
    actor: Any, op: Operation, error: IntegrityError
) -> tuple[Result, AppliedOperation]:
    # A concurrent push of the same id committed first: this one's effect was rolled back.
    winner = AppliedOperation.objects.filter(op_id=op.id).first()
    if winner is None:
        raise error
    return _replay(actor, op, winner), winner


def _run(actor: Any, scopes: frozenset[str], op: Operation, describe: Describe) -> Result:
    """The operation's effect; a refusal or conflict raises `Refused` (its result)."""
    handler = HANDLERS.get(op.kind)
    try:
        if handler is None:
            raise Rejected(_("Unknown operation kind “%(kind)s”.") % {"kind": op.kind[:40]})
        scope = SCOPE_OF[op.kind]
        if scope not in scopes:
            raise Rejected(_("This needs the %(scope)s scope.") % {"scope": scope})
        schema, apply = handler
        try:
            payload = schema.model_validate(op.payload)
        except PayloadError as exc:
            raise Rejected(_payload_problem(exc)) from exc
        object_id, version = apply(actor, payload, describe)
        return Result(
            id=str(op.id),
            status=OperationStatus.APPLIED,
            object_id=str(object_id) if object_id else None,
            version=version,
        )
    except Conflict as exc:
        result = Result(
            id=str(op.id), status=OperationStatus.CONFLICT, detail=str(exc), current=exc.current
        )
    except (Http404, PermissionDenied):
        detail = _("There is nothing with this id, or it is not yours.")
        result = Result(id=str(op.id), status=OperationStatus.REJECTED, detail=detail)
    except (Rejected, *REFUSALS) as exc:
        result = Result(id=str(op.id), status=OperationStatus.REJECTED, detail=str(exc))
    raise Refused(result)


def _payload_problem(exc: PayloadError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or "payload"
    return _("The payload is invalid at %(field)s: %(reason)s") % {
        "field": where,
        "reason": first.get("msg", ""),
    }
