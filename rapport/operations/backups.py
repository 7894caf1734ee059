"""Backups that restore: `create_backup` (database + media, encrypted, listed), `restore_backup`
into a given database, `drill_backup` (restore into a scratch database and compare every
table's row count and checksum with the ones taken at backup time) and `prune_backups`
(retention). See docs/operations.md.

The archive is a tar streamed straight into the encryptor: manifest.json, the database
(`database.dump`, pg_dump custom format, or `database.sqlite3`) and `media/`.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import secrets
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.operations import crypto, dumps
from rapport.operations.models import Backup, BackupStatus

log = logging.getLogger(__name__)

SUFFIX = ".rbk"


class BackupError(Exception):
    """A backup, restore or drill that could not be done; the message says why."""


def backup_dir() -> Path:
    path = Path(settings.RAPPORT_BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key() -> bytes:
    try:
        return crypto.parse_key(settings.RAPPORT_BACKUP_KEY)
    except crypto.BackupKeyError as exc:
        raise BackupError(str(exc)) from exc


def _engine(database: dict[str, Any]) -> str:
    engine = str(database["ENGINE"])
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    archive.addfile(info, io.BytesIO(data))


def _add_media(archive: tarfile.TarFile, media_root: Path) -> int:
    count = 0
    if media_root.is_dir():
        for path in sorted(media_root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.add(path, arcname=f"media/{path.relative_to(media_root)}", recursive=False)
                count += 1
    return count


def create_backup(
    *,
    actor: Any = None,
    database: dict[str, Any] | None = None,
    media_root: Path | None = None,
) -> Backup:
    """Back up the database and the media directory into one encrypted file in
    RAPPORT_BACKUP_DIR and list it (a Backup row with size, duration, SHA-256 and the
    per-table checksums). A failure leaves a FAILED row with the reason and no file, and raises
    BackupError. No key configured: BackupError before anything is written."""
    database = dict(database or settings.DATABASES["default"])
    media_root = Path(media_root or settings.MEDIA_ROOT)
    key = _key()
    engine = _engine(database)
    started = time.monotonic()
    now = timezone.now()
    name = f"rapport-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}{SUFFIX}"
    backup = Backup.objects.create(engine=engine, file_name=name, key_id=crypto.key_id(key))
    target = backup_dir() / name
    try:
        with tempfile.TemporaryDirectory(dir=backup_dir(), prefix=".work-") as work:
            if engine == "postgresql":
                db_file = Path(work) / "database.dump"
                tables = dumps.pg_dump(dumps.pg_params(database), db_file)
            else:
                db_file = Path(work) / "database.sqlite3"
                dumps.sqlite_copy(Path(database["NAME"]), db_file)
                tables = dumps.sqlite_checksums(db_file)
            with target.open("wb") as out:
                writer = crypto.EncryptingWriter(out, key)
                with tarfile.open(fileobj=writer, mode="w|") as archive:  # type: ignore[call-overload]
                    archive.add(db_file, arcname=db_file.name)
                    media_files = _add_media(archive, media_root)
                    manifest = {
                        "format": 1,
                        "engine": engine,
                        "created_at": now.isoformat(),
                        "database": db_file.name,
                        "tables": tables,
                        "media_files": media_files,
                    }
                    _add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
                sha256 = writer.finish()
    except Exception as exc:
        target.unlink(missing_ok=True)
        reason = str(exc)[:500] or type(exc).__name__
        with transaction.atomic():
            Backup.objects.filter(pk=backup.pk).update(
                status=BackupStatus.FAILED,
                error=reason,
                finished_at=timezone.now(),
                duration_seconds=time.monotonic() - started,
            )
            audit.record(action="backup.failed", actor=actor, target=backup, summary=reason)
        raise BackupError(reason) from exc
    with transaction.atomic():
        backup.status = BackupStatus.OK
        backup.size_bytes = target.stat().st_size
        backup.sha256 = sha256
        backup.tables = tables
        backup.media_files = media_files
        backup.finished_at = timezone.now()
        backup.duration_seconds = time.monotonic() - started
        backup.save()
        audit.record(
            action="backup.created",
            actor=actor,
            target=backup,
            summary=f"Backup {name}: {len(tables)} tables, {media_files} media files",
            data={"size_bytes": backup.size_bytes, "seconds": round(backup.duration_seconds, 2)},
        )
    return backup


@dataclass
class Opened:
    """A decrypted, verified archive unpacked into a temporary directory."""

    directory: Path
    manifest: dict[str, Any]
    database_file: Path
    media_dir: Path
    _temp: tempfile.TemporaryDirectory[str] = field(repr=False)

    def close(self) -> None:
        self._temp.cleanup()


def resolve(reference: str) -> tuple[Path, Backup | None]:
    """A backup by public id, file name or path."""
    row = None
    try:
        row = Backup.objects.filter(public_id=reference).first()
    except Exception:
        row = None
    if row is None:
        row = Backup.objects.filter(file_name=Path(reference).name).first()
    path = backup_dir() / row.file_name if row is not None else Path(reference)
    if not path.is_file():
        raise BackupError(f"No backup file at {path.name}.")
    return path, row


def open_backup(path: Path, row: Backup | None = None) -> Opened:
    """Check the file's SHA-256 against its listing, decrypt it (the GCM tag proves it
    unaltered) and unpack it. BackupError for a wrong key or a damaged file."""
    if row is not None and row.sha256 and crypto.file_sha256(path) != row.sha256:
        raise BackupError("The backup file does not match its recorded checksum.")
    key = _key()
    temp = tempfile.TemporaryDirectory(dir=backup_dir(), prefix=".restore-")
    directory = Path(temp.name)
    plain = directory / "archive.tar"
    try:
        crypto.decrypt_file(path, plain, key)
        with tarfile.open(plain, mode="r:") as archive:
            archive.extractall(directory / "x", filter="data")
        plain.unlink()
        manifest = json.loads((directory / "x" / "manifest.json").read_text())
    except (crypto.BackupKeyError, crypto.DamagedBackup) as exc:
        temp.cleanup()
        raise BackupError(str(exc)) from exc
    except Exception:
        temp.cleanup()
        raise
    return Opened(
        directory=directory,
        manifest=manifest,
        database_file=directory / "x" / manifest["database"],
        media_dir=directory / "x" / "media",
        _temp=temp,
    )


def restore_backup(
    *,
    reference: str,
    target: dict[str, Any],
    media_root: Path | None = None,
    actor: Any = None,
) -> dict[str, Any]:
    """Restore a backup into the database `target` (a DATABASES-style dict; PostgreSQL: its
    objects are replaced in one transaction; SQLite: the file is replaced) and, when
    `media_root` is given, its media files into that directory. Returns the manifest."""
    path, row = resolve(reference)
    opened = open_backup(path, row)
    try:
        engine = opened.manifest["engine"]
        if engine != _engine(target):
            raise BackupError(f"This is a {engine} backup; the target is not.")
        if engine == "postgresql":
            dumps.pg_restore(dumps.pg_params(target), opened.database_file, clean=True)
        else:
            dumps.sqlite_copy(opened.database_file, Path(target["NAME"]))
        if media_root is not None and opened.media_dir.is_dir():
            for item in opened.media_dir.rglob("*"):
                if item.is_file():
                    dest = Path(media_root) / item.relative_to(opened.media_dir)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(item.read_bytes())
    except dumps.DumpError as exc:
        raise BackupError(str(exc)) from exc
    finally:
        opened.close()
    log.info("Restored %s", path.name)
    return opened.manifest


@dataclass(frozen=True)
class DrillResult:
    backup: Backup | None
    ok: bool
    tables: int
    rows: int
    mismatches: dict[str, Any]
    seconds: float


def compare_checksums(expected: dumps.Checksums, got: dumps.Checksums) -> dict[str, Any]:
    """Tables whose row count or checksum differ, or that are missing on either side."""
    mismatches: dict[str, Any] = {}
    for table in sorted(set(expected) | set(got)):
        want, have = expected.get(table), got.get(table)
        if want is None or have is None or list(want) != list(have):
            mismatches[table] = {"expected": want, "restored": have}
    return mismatches


def drill_backup(
    *, reference: str | None = None, database: dict[str, Any] | None = None, actor: Any = None
) -> DrillResult:
    """The restore drill: restore a backup (the latest complete one unless `reference`) into a
    scratch database on the same server (SQLite: a scratch file), compute every table's row
    count and checksum there and compare them with the ones taken at backup time. The scratch
    database is dropped afterwards; the result is kept on the backup's row and audited."""
    database = dict(database or settings.DATABASES["default"])
    if reference is None:
        latest = Backup.objects.filter(status=BackupStatus.OK).order_by("-created_at").first()
        if latest is None:
            raise BackupError("There is no complete backup to drill.")
        reference = str(latest.public_id)
    path, row = resolve(reference)
    started = time.monotonic()
    try:
        opened = open_backup(path, row)
    except BackupError as exc:
        _record_failed_drill(row, str(exc), actor)
        raise
    try:
        expected = opened.manifest["tables"]
        if opened.manifest["engine"] == "postgresql":
            params = dumps.pg_params(database)
            scratch = f"{params['dbname'][:40]}_drill_{secrets.token_hex(4)}"
            with dumps.scratch_pg_database(params, scratch) as scratch_params:
                dumps.pg_restore(scratch_params, opened.database_file, clean=False)
                got = dumps.pg_checksums_of(scratch_params)
        else:
            copy = opened.directory / "drill.sqlite3"
            dumps.sqlite_copy(opened.database_file, copy)
            got = dumps.sqlite_checksums(copy)
    except dumps.DumpError as exc:
        _record_failed_drill(row, str(exc), actor)
        raise BackupError(str(exc)) from exc
    finally:
        opened.close()
    mismatches = compare_checksums(expected, got)
    result = DrillResult(
        backup=row,
        ok=not mismatches,
        tables=len(got),
        rows=sum(int(v[0]) for v in got.values()),
        mismatches=mismatches,
        seconds=time.monotonic() - started,
    )
    report = {
        "tables": result.tables,
        "rows": result.rows,
        "mismatches": mismatches,
        "seconds": round(result.seconds, 2),
    }
    with transaction.atomic():
        if row is not None:
            Backup.objects.filter(pk=row.pk).update(
                drilled_at=timezone.now(), drill_ok=result.ok, drill_report=report
            )
        audit.record(
            action="backup.drilled" if result.ok else "backup.drill_failed",
            actor=actor,
            target=row,
            summary=f"Restore drill of {path.name}: {result.tables} tables, {result.rows} rows, "
            f"{len(mismatches)} mismatched",
            data=report,
        )
    return result


def _record_failed_drill(row: Backup | None, reason: str, actor: Any) -> None:
    with transaction.atomic():
        if row is not None:
            Backup.objects.filter(pk=row.pk).update(
                drilled_at=timezone.now(), drill_ok=False, drill_report={"error": reason[:500]}
            )
        audit.record(action="backup.drill_failed", actor=actor, target=row, summary=reason[:500])


def prune_backups(
    *,
    keep_daily: int | None = None,
    keep_weekly: int | None = None,
    now: datetime.datetime | None = None,
    actor: Any = None,
) -> list[Backup]:
    """Retention: keep the newest complete backup of each of the last `keep_daily` days that
    have one and of each of the last `keep_weekly` ISO weeks; delete the other files (their
    rows stay, marked PRUNED, as history). Backups of the last 24 hours are always kept.
    Returns the pruned rows."""
    keep_daily = settings.RAPPORT_BACKUP_KEEP_DAILY if keep_daily is None else keep_daily
    keep_weekly = settings.RAPPORT_BACKUP_KEEP_WEEKLY if keep_weekly is None else keep_weekly
    now = now or timezone.now()
    complete = list(Backup.objects.filter(status=BackupStatus.OK).order_by("-created_at"))
    keep: set[int] = {b.pk for b in complete if now - b.created_at < datetime.timedelta(days=1)}
    days: dict[datetime.date, Backup] = {}
    weeks: dict[tuple[int, int], Backup] = {}
    for b in complete:  # newest first: the first seen of each day / week is its newest
        days.setdefault(b.created_at.date(), b)
        iso = b.created_at.isocalendar()
        weeks.setdefault((iso.year, iso.week), b)
    keep |= {b.pk for b in list(days.values())[:keep_daily]}
    keep |= {b.pk for b in list(weeks.values())[:keep_weekly]}
    pruned = [b for b in complete if b.pk not in keep]
    for b in pruned:
        (backup_dir() / b.file_name).unlink(missing_ok=True)
        with transaction.atomic():
            Backup.objects.filter(pk=b.pk).update(status=BackupStatus.PRUNED)
            audit.record(
                action="backup.pruned", actor=actor, target=b, summary=f"Removed {b.file_name}"
            )
        b.status = BackupStatus.PRUNED
    return pruned
