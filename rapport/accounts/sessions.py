"""Login state kept in the session: the half-way point between password and second factor,
completing a login, and the staff idle timeout.

A person who has passed the password step is *not* logged in: only their id sits in the session
under `PENDING_KEY` for a few minutes. `complete_login` logs them in (Django rotates the session
key) together with the OTP device that verified them.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest
from django_otp import login as otp_login

from rapport.accounts.models import User

PENDING_KEY = "rapport_pending_login"
STAFF_SEEN_KEY = "rapport_staff_seen"
FORM_NONCE_KEY = "rapport_staff_form"
RECOVERY_CODES_KEY = "rapport_new_recovery_codes"
PENDING_MAX_AGE = 10 * 60
BACKEND = "rapport.accounts.backends.EntranceBackend"


def begin_pending(request: HttpRequest, user: Any, entrance: str) -> None:
    """Password accepted; the second factor is still to come. New session key against fixation."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "entrance": entrance, "at": time.time()}


def pending_user(request: HttpRequest, entrance: str) -> User | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or data.get("entrance") != entrance:
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=int(data.get("user") or 0), is_active=True).first()


def complete_login(request: HttpRequest, user: Any, device: Any = None) -> None:
    """Log in (rotating the session key) and bind the verifying OTP device to the session."""
    request.session.pop(PENDING_KEY, None)
    auth.login(request, user, backend=BACKEND)
    if device is not None:
        otp_login(request, device)
    if user.is_staff:
        request.session[STAFF_SEEN_KEY] = time.time()


def staff_session_fresh(request: HttpRequest) -> bool:
    """False (and the session ended) when the staff session has been idle too long."""
    seen = request.session.get(STAFF_SEEN_KEY)
    now = time.time()
    if not isinstance(seen, int | float) or now - seen > settings.RAPPORT_STAFF_IDLE_MINUTES * 60:
        auth.logout(request)
        return False
    if now - seen > 30:  # spare a session write on every click
        request.session[STAFF_SEEN_KEY] = now
    return True
