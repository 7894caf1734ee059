"""Readiness checks: can this instance serve? Each check returns a status and a short reason,
never a host name, address or secret, so the answer is safe to show anyone.

`ok` or `fail`; `skipped` when the part is not configured (no Redis, no broker, a mail backend
other than SMTP). A failing *critical* check makes /readyz answer 503; backup age is reported
but not critical (an old backup is an alert for people, not a reason to take a web node out of
the load balancer). Results are kept a few seconds so probes stay cheap.
"""

from __future__ import annotations

import shutil
import smtplib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

OK, FAIL, SKIPPED = "ok", "fail", "skipped"
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    critical: bool = True
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _reason(exc: BaseException) -> str:
    # The class only: messages can carry host names, addresses or user names.
    return type(exc).__name__


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", FAIL, detail=_reason(exc))
    return Check("database", OK)


def check_redis() -> Check:
    if not settings.REDIS_URL:
        return Check("redis", SKIPPED)
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        client.ping()
        client.close()
    except Exception as exc:
        return Check("redis", FAIL, detail=_reason(exc))
    return Check("redis", OK)


def check_celery() -> Check:
    """A worker answers a ping (only when a broker is configured and tasks are not eager)."""
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return Check("celery", SKIPPED)
    from config.celery import app

    try:
        replies = app.control.inspect(timeout=1.0).ping() or {}
    except Exception as exc:
        return Check("celery", FAIL, detail=_reason(exc))
    if not replies:
        return Check("celery", FAIL, detail="no worker answered")
    return Check("celery", OK, detail=f"{len(replies)} worker(s)")


def check_smtp() -> Check:
    """The outgoing mail server accepts a connection and answers a NOOP."""
    mailer: dict[str, Any] = dict(settings.MAILERS.get("default", {}))
    if not str(mailer.get("BACKEND", "")).endswith("smtp.EmailBackend"):
        return Check("smtp", SKIPPED)
    options: dict[str, Any] = dict(mailer.get("OPTIONS", {}))
    host = str(options.get("host") or "127.0.0.1")
    port = int(options.get("port") or 25)
    try:
        timeout = min(float(options.get("timeout") or 2), 2.0)
        smtp_class = smtplib.SMTP_SSL if options.get("use_ssl") else smtplib.SMTP
        server = smtp_class(host, port, timeout=timeout)
        code, _message = server.noop()
        server.quit()
    except Exception as exc:
        return Check("smtp", FAIL, detail=_reason(exc))
    if code != 250:
        return Check("smtp", FAIL, detail=f"NOOP answered {code}")
    return Check("smtp", OK)


def check_disk() -> Check:
    """Free space where the app writes (database file, media, backups)."""
    usage = shutil.disk_usage(settings.VAR_DIR)
    free_mb = usage.free // (1024 * 1024)
    if free_mb < settings.RAPPORT_HEALTH_MIN_FREE_DISK_MB:
        return Check("disk", FAIL, detail=f"{free_mb} MB free")
    return Check("disk", OK, detail=f"{free_mb} MB free")


def check_backup_age() -> Check:
    from rapport.operations.queries import latest_backup

    try:
        backup = latest_backup()
    except Exception as exc:
        return Check("backup", FAIL, critical=False, detail=_reason(exc))
    limit = settings.RAPPORT_BACKUP_MAX_AGE_HOURS
    if backup is None:
        return Check("backup", FAIL, critical=False, detail="no backup yet")
    hours = (timezone.now() - backup.created_at).total_seconds() / 3600
    status = OK if hours <= limit else FAIL
    return Check("backup", status, critical=False, detail=f"{hours:.1f} h old")


CHECKS: tuple[Callable[[], Check], ...] = (
    check_database,
    check_redis,
    check_celery,
    check_smtp,
    check_disk,
    check_backup_age,
)

_cached: tuple[float, list[Check]] | None = None


def run_checks(*, fresh: bool = False) -> list[Check]:
    """Every readiness check (kept CACHE_SECONDS in this process unless `fresh`)."""
    global _cached
    now = time.monotonic()
    if not fresh and _cached is not None and now - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as exc:
            name = check.__name__.removeprefix("check_")
            results.append(Check(name, FAIL, detail=_reason(exc)))
    _cached = (now, results)
    return results


def is_ready(checks: list[Check]) -> bool:
    return all(c.status != FAIL for c in checks if c.critical)
