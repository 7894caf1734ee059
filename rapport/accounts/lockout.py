"""Brute-force protection without denial of service (see docs/security.md).

Failed logins are counted per entrance (store, staff) in two counters:

* per (account, address): after `RAPPORT_LOGIN_FREE_FAILURES` failures, each further failure
  makes that address wait before trying that account again, twice as long each time
  (`RAPPORT_LOGIN_FIRST_DELAY_SECONDS`, doubling, at most `RAPPORT_LOGIN_MAX_DELAY_MINUTES`);
* per address: the same with `RAPPORT_LOGIN_FREE_FAILURES_PER_IP`, against guessing many
  accounts from one place.

Nothing is counted per account alone, so nobody can keep a customer or a colleague out by
failing logins from somewhere else: the owner's own address is never delayed by them. An
attempt during a wait is refused without the password being checked, is not counted (so it
does not lengthen the wait) and looks exactly like a wrong password. A successful login clears
its (account, address) counter; counters are forgotten after `RAPPORT_LOGIN_FORGET_HOURS`
without failures. A password reset clears an account's store delays; a manager can clear a
colleague's staff delays (`unlock_staff_login`, audited).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from rapport.accounts.models import LoginCounter
from rapport.core import audit
from rapport.core.audit import client_ip

PAIR = "pair"
IP = "ip"


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _account(email: str) -> str:
    return _hash("account", email.strip().lower())


def _keys(entrance: str, email: str, ip: str) -> list[tuple[str, str, str]]:
    """(scope, key, account hash) of the counters one attempt touches."""
    account = _account(email)
    return [(PAIR, _hash(account, ip), account), (IP, _hash("ip", ip), "")]


def _free(scope: str) -> int:
    if scope == PAIR:
        return int(settings.RAPPORT_LOGIN_FREE_FAILURES)
    return int(settings.RAPPORT_LOGIN_FREE_FAILURES_PER_IP)


def delay_after(failures: int, scope: str) -> timedelta:
    """How long an address waits after its `failures`-th failure in `scope`: nothing within
    the free failures, then the first delay doubling with each failure, capped."""
    over = failures - _free(scope)
    if over <= 0:
        return timedelta(0)
    first = timedelta(seconds=int(settings.RAPPORT_LOGIN_FIRST_DELAY_SECONDS))
    cap = timedelta(minutes=int(settings.RAPPORT_LOGIN_MAX_DELAY_MINUTES))
    return min(cap, first * (2 ** min(over - 1, 20)))


@dataclass(frozen=True)
class Gate:
    """Whether an attempt may go on to the password check, and until when it must wait."""

    open: bool
    wait_until: datetime | None = None


def _ip(request: HttpRequest | None) -> str:
    return client_ip(request) or "unknown"


def _stale(counter: LoginCounter, now: datetime) -> bool:
    forget = timedelta(hours=int(settings.RAPPORT_LOGIN_FORGET_HOURS))
    return counter.last_failed_at < now - forget


def check(*, request: HttpRequest | None, email: str, entrance: str) -> Gate:
    """May this address try this account at this entrance now? (Reads only.)"""
    now = timezone.now()
    waits = [
        c.wait_until
        for c in LoginCounter.objects.filter(
            entrance=entrance, key__in=[k for _s, k, _a in _keys(entrance, email, _ip(request))]
        )
        if c.wait_until is not None and c.wait_until > now and not _stale(c, now)
    ]
    if waits:
        return Gate(open=False, wait_until=max(waits))
    return Gate(open=True)


def record_failure(*, request: HttpRequest | None, email: str, entrance: str) -> None:
    """Count a wrong password (or unknown account, or wrong entrance) for both counters."""
    now = timezone.now()
    for scope, key, account in _keys(entrance, email, _ip(request)):
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    counter, _created = LoginCounter.objects.select_for_update().get_or_create(
                        entrance=entrance,
                        scope=scope,
                        key=key,
                        defaults={"account": account, "last_failed_at": now},
                    )
                    failures = 1 if _stale(counter, now) else counter.failures + 1
                    delay = delay_after(failures, scope)
                    counter.failures = failures
                    counter.last_failed_at = now
                    counter.wait_until = now + delay if delay else None
                    counter.save(update_fields=["failures", "last_failed_at", "wait_until"])
                break
            except IntegrityError:
                continue  # created concurrently by another request: count on that row


def record_success(*, request: HttpRequest | None, email: str, entrance: str) -> None:
    """The right password: forget this (account, address) pair's failures."""
    pair = _keys(entrance, email, _ip(request))[0][1]
    LoginCounter.objects.filter(entrance=entrance, scope=PAIR, key=pair).delete()


def clear_account(*, email: str, entrance: str) -> int:
    """Lift every delay of an account at one entrance (from every address)."""
    deleted, _ = LoginCounter.objects.filter(
        entrance=entrance, scope=PAIR, account=_account(email)
    ).delete()
    return deleted


def unlock_staff_login(*, actor: Any, member: Any, request: HttpRequest | None = None) -> int:
    """A manager lifts a colleague's staff-entrance delays (every address), audited."""
    from rapport.accounts.backends import STAFF

    with transaction.atomic():
        cleared = clear_account(email=member.email, entrance=STAFF)
        audit.record(
            action="staff.login_unlocked",
            actor=actor,
            target=member,
            request=request,
            summary="Sign-in delays lifted by a manager",
            data={"counters_cleared": cleared},
        )
    return cleared


def is_delayed(*, email: str, entrance: str) -> bool:
    """Whether any address is currently kept waiting for this account (the portal shows it)."""
    now = timezone.now()
    return LoginCounter.objects.filter(
        entrance=entrance, scope=PAIR, account=_account(email), wait_until__gt=now
    ).exists()
