"""The local store (SQLite in the profile directory): what the device knows and what it owes.

- `objects`: every synced object by (type, id). `data` is the server's last known version (from
  pull or a conflict's answer); `local` is this device's edited version while operations on it
  are waiting in the outbox. What the user sees is `local` if there is one, else `data`.
- `outbox`: operations not yet confirmed by the server, in the order they were made, each with
  the uuid generated when it was made. A retry sends the same ids again (the server applies an
  id exactly once); an operation leaves the outbox only when the server answered for it.
- `conflicts`: an operation the server answered with `conflict` — both versions are kept until
  the user chooses. `refused`: operations the server rejected, with its reason.
- `usage_log`: what happened on the device; uploaded to the server by sync.
- `meta`: the pull cursor, the session, the signed-in person.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT,
    local TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS conflicts (
    op_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    mine TEXT,
    theirs TEXT,
    detail TEXT,
    created_at TEXT NOT NULL,
    resolution TEXT,
    resolved_at TEXT
);
CREATE TABLE IF NOT EXISTS refused (
    op_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    detail TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS usage_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_object ON outbox (object_type, object_id);
"""

# The types the server's pull sends, and what the client shows.
TYPES = ("product", "customer", "order", "quote", "draft_order", "note", "conversation", "message")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Operation:
    seq: int
    id: str
    kind: str
    payload: dict[str, Any]
    object_type: str
    object_id: str
    created_at: str
    attempts: int
    last_error: str | None

    def as_wire(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "payload": self.payload}


@dataclass(frozen=True)
class Conflict:
    op_id: str
    kind: str
    payload: dict[str, Any]
    object_type: str
    object_id: str
    mine: dict[str, Any] | None
    theirs: dict[str, Any] | None
    detail: str | None
    created_at: str


@dataclass(frozen=True)
class Refusal:
    op_id: str
    kind: str
    payload: dict[str, Any]
    object_type: str
    object_id: str
    detail: str | None
    created_at: str


def _loads(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


class LocalStore:
    """One SQLite file; safe to use from the UI thread and a sync worker thread."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        new = self.path != ":memory:" and not os.path.exists(self.path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if new:
            os.chmod(self.path, 0o600)  # it holds the session token
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing change (nested calls join the outer one)."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    # --- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_meta(self, key: str, value: Any) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)),
                )

    @property
    def cursor(self) -> str | None:
        return self.get_meta("cursor")

    # --- objects ---------------------------------------------------------------------------

    def get(self, type_: str, id_: str) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT data, local FROM objects WHERE type = ? AND id = ?", (type_, str(id_))
        )
        if not rows:
            return None
        return _loads(rows[0]["local"]) or _loads(rows[0]["data"])

    def server_version(self, type_: str, id_: str) -> dict[str, Any] | None:
        rows = self._query("SELECT data FROM objects WHERE type = ? AND id = ?", (type_, str(id_)))
        return _loads(rows[0]["data"]) if rows else None

    def is_pending(self, type_: str, id_: str) -> bool:
        return bool(
            self._query(
                "SELECT 1 FROM outbox WHERE object_type = ? AND object_id = ? LIMIT 1",
                (type_, str(id_)),
            )
        )

    def all(self, type_: str) -> list[dict[str, Any]]:
        """Every object of a type as the user sees it (local edits first), in a stable order."""
        rows = self._query(
            "SELECT id, data, local FROM objects WHERE type = ? ORDER BY rowid", (type_,)
        )
        result = []
        for row in rows:
            view = _loads(row["local"]) or _loads(row["data"])
            if view is not None:
                view.setdefault("id", row["id"])
                result.append(view)
        return result

    def count(self, type_: str) -> int:
        return int(self._query("SELECT COUNT(*) AS n FROM objects WHERE type = ?", (type_,))[0][0])

    def put_local(self, type_: str, id_: str, view: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO objects (type, id, data, local, updated_at) VALUES (?, ?, NULL, ?, ?) "
                "ON CONFLICT (type, id) DO UPDATE SET local = excluded.local, "
                "updated_at = excluded.updated_at",
                (type_, str(id_), _dumps(view), now_iso()),
            )

    def _put_server(self, db: sqlite3.Connection, type_: str, id_: str, data: Any) -> None:
        db.execute(
            "INSERT INTO objects (type, id, data, local, updated_at) VALUES (?, ?, ?, NULL, ?) "
            "ON CONFLICT (type, id) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (type_, str(id_), _dumps(data), now_iso()),
        )

    def _drop_local_if_settled(self, db: sqlite3.Connection, type_: str, id_: str) -> None:
        pending = db.execute(
            "SELECT 1 FROM outbox WHERE object_type = ? AND object_id = ? LIMIT 1", (type_, id_)
        ).fetchone()
        if not pending:
            db.execute("UPDATE objects SET local = NULL WHERE type = ? AND id = ?", (type_, id_))
            db.execute(
                "DELETE FROM objects WHERE type = ? AND id = ? AND data IS NULL", (type_, id_)
            )

    def apply_changes(self, changes: list[dict[str, Any]], cursor: str) -> int:
        """Store one page of pulled changes and its cursor together (all or nothing).

        An object with operations still in the outbox keeps its local version on top: the
        server's version is stored beneath it, never over it.
        """
        with self.transaction() as db:
            for change in changes:
                type_, id_ = str(change["type"]), str(change["id"])
                if change.get("deleted"):
                    db.execute(
                        "UPDATE objects SET data = NULL WHERE type = ? AND id = ?", (type_, id_)
                    )
                else:
                    self._put_server(db, type_, id_, change.get("data"))
                self._drop_local_if_settled(db, type_, id_)
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('cursor', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (json.dumps(cursor),),
            )
        return len(changes)

    # --- outbox ----------------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        object_type: str,
        object_id: str,
        local_view: dict[str, Any] | None = None,
        op_id: str | None = None,
    ) -> str:
        """Queue one operation (and show its effect locally) in one transaction."""
        op_id = op_id or new_id()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO outbox (id, kind, payload, object_type, object_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (op_id, kind, _dumps(payload), object_type, str(object_id), now_iso()),
            )
            if local_view is not None:
                self.put_local(object_type, str(object_id), local_view)
            self.log("op.queued", kind)
        return op_id

    def replace_unsent(
        self, op_id: str, payload: dict[str, Any], local_view: dict[str, Any]
    ) -> bool:
        """Change an operation that was never sent (so no server can have seen its id)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT object_type, object_id, attempts FROM outbox WHERE id = ?", (op_id,)
            ).fetchone()
            if row is None or row["attempts"]:
                return False
            db.execute("UPDATE outbox SET payload = ? WHERE id = ?", (_dumps(payload), op_id))
            self.put_local(row["object_type"], row["object_id"], local_view)
            return True

    def _op(self, row: sqlite3.Row) -> Operation:
        return Operation(
            seq=row["seq"],
            id=row["id"],
            kind=row["kind"],
            payload=json.loads(row["payload"]),
            object_type=row["object_type"],
            object_id=row["object_id"],
            created_at=row["created_at"],
            attempts=row["attempts"],
            last_error=row["last_error"],
        )

    def pending(self, limit: int = 500) -> list[Operation]:
        rows = self._query("SELECT * FROM outbox ORDER BY seq LIMIT ?", (limit,))
        return [self._op(row) for row in rows]

    def pending_for(self, type_: str, id_: str) -> list[Operation]:
        rows = self._query(
            "SELECT * FROM outbox WHERE object_type = ? AND object_id = ? ORDER BY seq",
            (type_, str(id_)),
        )
        return [self._op(row) for row in rows]

    def outbox_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM outbox")[0][0])

    def mark_attempt(self, ops: list[Operation], error: str | None = None) -> None:
        """Count a send (before it leaves: from now on the server may have seen these ids)."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                [(error, op.id) for op in ops],
            )

    def note_error(self, ops: list[Operation], error: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET last_error = ? WHERE id = ?", [(error, op.id) for op in ops]
            )

    def settle(self, op: Operation, result: dict[str, Any]) -> str:
        """Record the server's answer for one operation; it leaves the outbox.

        applied: the local view stays until pull brings the server's version (a new message's
        placeholder goes at once). conflict: both versions are kept in `conflicts` for the user
        to choose; the server's becomes the shown one. rejected: kept in `refused` with the
        server's reason; the object goes back to the server's version.
        """
        status = str(result.get("status"))
        with self.transaction() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (op.id,))
            if status == "applied":
                if op.kind == "message.post":
                    db.execute("DELETE FROM objects WHERE type = 'message' AND id = ?", (op.id,))
                elif result.get("version") is not None:
                    view = self.get(op.object_type, op.object_id)
                    if view is not None and self.is_pending(op.object_type, op.object_id) is False:
                        view["version"] = result["version"]
                        self.put_local(op.object_type, op.object_id, view)
            elif status == "conflict":
                mine = self.get(op.object_type, op.object_id)
                theirs = result.get("current")
                db.execute(
                    "INSERT OR REPLACE INTO conflicts (op_id, kind, payload, object_type,"
                    " object_id, mine, theirs, detail, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        op.id,
                        op.kind,
                        _dumps(op.payload),
                        op.object_type,
                        op.object_id,
                        _dumps(mine),
                        _dumps(theirs),
                        result.get("detail"),
                        now_iso(),
                    ),
                )
                if theirs is not None:
                    self._put_server(db, op.object_type, op.object_id, theirs)
                self._drop_local_if_settled(db, op.object_type, op.object_id)
            else:
                db.execute(
                    "INSERT OR REPLACE INTO refused (op_id, kind, payload, object_type, object_id,"
                    " detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        op.id,
                        op.kind,
                        _dumps(op.payload),
                        op.object_type,
                        op.object_id,
                        result.get("detail"),
                        now_iso(),
                    ),
                )
                if op.kind == "message.post":
                    db.execute("DELETE FROM objects WHERE type = 'message' AND id = ?", (op.id,))
                self._drop_local_if_settled(db, op.object_type, op.object_id)
            self.log(f"op.{status}", op.kind)
        return status

    # --- conflicts and refusals ------------------------------------------------------------

    def conflicts(self) -> list[Conflict]:
        rows = self._query(
            "SELECT * FROM conflicts WHERE resolution IS NULL ORDER BY created_at, op_id"
        )
        return [
            Conflict(
                op_id=row["op_id"],
                kind=row["kind"],
                payload=json.loads(row["payload"]),
                object_type=row["object_type"],
                object_id=row["object_id"],
                mine=_loads(row["mine"]),
                theirs=_loads(row["theirs"]),
                detail=row["detail"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    def resolve_conflict(self, op_id: str, resolution: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE conflicts SET resolution = ?, resolved_at = ? WHERE op_id = ?",
                (resolution, now_iso(), op_id),
            )
            self.log("conflict.resolved", resolution)

    def refusals(self) -> list[Refusal]:
        rows = self._query("SELECT * FROM refused ORDER BY created_at DESC, op_id")
        return [
            Refusal(
                op_id=row["op_id"],
                kind=row["kind"],
                payload=json.loads(row["payload"]),
                object_type=row["object_type"],
                object_id=row["object_id"],
                detail=row["detail"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    # --- usage log -------------------------------------------------------------------------

    def log(self, event: str, detail: str = "") -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO usage_log (at, event, detail) VALUES (?, ?, ?)",
                (now_iso(), event[:64], detail[:500]),
            )

    def usage_to_upload(self, limit: int = 500) -> list[tuple[int, dict[str, str]]]:
        rows = self._query(
            "SELECT seq, at, event, detail FROM usage_log WHERE uploaded = 0 ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [
            (row["seq"], {"at": row["at"], "event": row["event"], "detail": row["detail"]})
            for row in rows
        ]

    def mark_usage_uploaded(self, seqs: list[int]) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE usage_log SET uploaded = 1 WHERE seq = ?", [(s,) for s in seqs])
