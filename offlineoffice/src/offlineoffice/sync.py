"""The sync engine, separate from the UI: push the outbox, then pull what changed.

Push sends the outbox in order, in batches (≤ 500, the server's limit), each operation with the
id it got when it was made. If the connection fails at any point — before the request left,
after the server applied it, in the middle of the answer — nothing is settled locally and the
next sync sends the same ids again; the server applies an id exactly once and answers a repeat
with its stored result (`replayed`). Pull then asks for the changes since the stored cursor until
`more` is false, storing each page together with its cursor. Finally the usage log is uploaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from offlineoffice.api import ApiClient, ApiError, Offline
from offlineoffice.store import LocalStore

PUSH_BATCH = 500
PULL_LIMIT = 500
USAGE_BATCH = 500


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    conflicts: int = 0
    rejected: int = 0
    replayed: int = 0
    pulled: int = 0
    usage_uploaded: int = 0
    errors: list[str] = field(default_factory=list)
    # The session ended (expired, or signed out elsewhere): sign in again; the outbox waits.
    needs_sign_in: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        api: ApiClient,
        *,
        push_batch: int = PUSH_BATCH,
        pull_limit: int = PULL_LIMIT,
    ) -> None:
        self.store = store
        self.api = api
        self.push_batch = push_batch
        self.pull_limit = pull_limit

    def push(self, report: SyncReport) -> None:
        """Send the outbox until it is empty (raises Offline/ApiError, settling nothing more)."""
        while batch := self.store.pending(self.push_batch):
            self.store.mark_attempt(batch)
            try:
                answer = self.api.call(
                    "POST", "/sync/push", json={"operations": [op.as_wire() for op in batch]}
                )
            except (Offline, ApiError) as exc:
                self.store.note_error(batch, str(exc)[:500])
                raise
            results = {str(r.get("id")): r for r in (answer or {}).get("results", [])}
            if not results:
                raise Offline("the push answer had no results")
            for op in batch:
                result = results.get(op.id)
                if result is None:  # not answered: stays in the outbox for the next push
                    continue
                status = self.store.settle(op, result)
                report.pushed += 1
                report.replayed += bool(result.get("replayed"))
                if status == "applied":
                    report.applied += 1
                elif status == "conflict":
                    report.conflicts += 1
                else:
                    report.rejected += 1

    def pull(self, report: SyncReport) -> None:
        """Fetch changes since the cursor until the server says there are no more."""
        while True:
            params: dict[str, Any] = {"limit": self.pull_limit}
            if (cursor := self.store.cursor) is not None:
                params["cursor"] = cursor
            page = self.api.call("GET", "/sync/pull", params=params)
            report.pulled += self.store.apply_changes(page.get("changes", []), page["cursor"])
            if not page.get("more"):
                return

    def upload_usage(self, report: SyncReport) -> None:
        while entries := self.store.usage_to_upload(USAGE_BATCH):
            self.api.call(
                "POST", "/devices/usage", json={"entries": [entry for _, entry in entries]}
            )
            self.store.mark_usage_uploaded([seq for seq, _ in entries])
            report.usage_uploaded += len(entries)
            if len(entries) < USAGE_BATCH:
                return

    def sync(self, *, upload_usage: bool = True) -> SyncReport:
        """Push, then pull, then upload the usage log. Failures are reported, not raised."""
        report = SyncReport()
        self.store.log("sync.start", f"outbox={self.store.outbox_count()}")
        try:
            self.push(report)
            self.pull(report)
            if upload_usage:
                self.store.log(
                    "sync.done",
                    f"applied={report.applied} conflicts={report.conflicts} "
                    f"rejected={report.rejected} pulled={report.pulled}",
                )
                self.upload_usage(report)
        except Offline as exc:
            report.errors.append(f"offline: {exc}")
            self.store.log("sync.offline", str(exc)[:200])
        except ApiError as exc:
            report.errors.append(str(exc))
            report.needs_sign_in = exc.status == 401 and exc.kind == "not-authenticated"
            self.store.log("sync.error", str(exc)[:200])
        return report
