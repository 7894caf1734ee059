"""Personal API tokens: create (shown once), authenticate, revoke. See docs/api.md.

A token reads `rpt_<prefix>_<secret>`: 8 characters of prefix to find its row and 32 random
bytes of secret. Only the SHA-256 digest of the whole token is stored; a high-entropy secret
needs no slow hash (nobody can guess 256 bits), and a constant-time compare of the digests
keeps timing from telling anything.

Scopes narrow a token below its user's rights; they never widen them: each call still runs
the user's own access rules, and a scope the user's current role no longer allows (a manager
made a customer, a deactivated employee) stops working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.errors import AccountError
from rapport.accounts.models import ApiToken, User
from rapport.accounts.roles import is_employee
from rapport.core import audit

TOKEN_START = "rpt_"  # noqa: S105 - the public start of every token, not a secret
PREFIX_LENGTH = 8
MAX_TOKENS_PER_USER = 20
# last_used_at is written at most once a minute per token (not a write on every call).
LAST_USED_EVERY = timedelta(minutes=1)

SCOPES: dict[str, Any] = {
    "orders:read": gettext_lazy("Read orders"),
    "messages:read": gettext_lazy("Read conversations"),
    "messages:write": gettext_lazy("Write in conversations"),
    "customers:read": gettext_lazy("Read customers and their timeline (staff)"),
    "notes:read": gettext_lazy("Read notes (staff)"),
    "notes:write": gettext_lazy("Write notes (staff)"),
    "quotes:read": gettext_lazy("Read quotes and their versions"),
    "quotes:write": gettext_lazy("Make, answer and accept quotes"),
    "orders:write": gettext_lazy("Prepare and place draft orders"),
    "sync": gettext_lazy("Sync with the offline client (each change still needs its scope)"),
}
CUSTOMER_SCOPES = (
    "orders:read",
    "messages:read",
    "messages:write",
    "quotes:read",
    "quotes:write",
    "orders:write",
    "sync",
)
STAFF_SCOPES = tuple(SCOPES)


def scopes_allowed_for(user: Any) -> tuple[str, ...]:
    """The scopes `user`'s current role allows: staff all, a customer their own, others none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if is_employee(user):
        return STAFF_SCOPES
    if user.is_staff:  # staff without a role (deactivated or not set up): nothing
        return ()
    return CUSTOMER_SCOPES


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _customer_of(user: Any) -> Any:
    from rapport.customers.models import Customer

    return None if user.is_staff else Customer.objects.filter(user=user).first()


def create_token(*, user: User, name: str, scopes: list[str], request: Any = None) -> str:
    """Create a token for `user` and return it: the only time it exists in clear.

    Raises AccountError for an empty name, no scope, a scope the user's role does not allow,
    or too many live tokens; nothing is written then. Audited (on the customer's timeline).
    """
    name = (name or "").strip()[:100]
    if not name:
        raise AccountError(_("Give the token a name."))
    allowed = scopes_allowed_for(user)
    chosen = sorted(set(scopes))
    if not chosen:
        raise AccountError(_("Choose at least one scope."))
    if any(scope not in allowed for scope in chosen):
        raise AccountError(_("You cannot give a token a scope you do not have."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time
        live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if live >= MAX_TOKENS_PER_USER:
            raise AccountError(_("You have %(n)s tokens already: revoke one first.") % {"n": live})
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        while ApiToken.objects.filter(prefix=prefix).exists():  # pragma: no cover - 2**32
            prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, digest=digest_of(token), scopes=chosen
        )
        audit.record(
            action="api_token.created",
            actor=user,
            target=row,
            customer=_customer_of(user),
            summary=f"API token {name} ({prefix}) created: {', '.join(chosen)}",
            data={"token": str(row.public_id), "prefix": prefix, "scopes": chosen},
            request=request,
        )
    return token


def revoke_token(*, token: ApiToken, actor: Any, request: Any = None) -> ApiToken:
    """Revoke a token (its very next call is refused). Idempotent; audited once."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit.record(
                action="api_token.revoked",
                actor=actor,
                target=locked,
                customer=_customer_of(locked.user),
                summary=f"API token {locked.name} ({locked.prefix}) revoked",
                data={"token": str(locked.public_id), "prefix": locked.prefix},
                request=request,
            )
        return locked


def token_for(presented: str) -> ApiToken | None:
    """The live token `presented` names, with its user, or None (unknown, wrong or revoked).
    Touches `last_used_at` (at most once a minute)."""
    parts = presented.split("_") if presented.startswith(TOKEN_START) else []
    if len(parts) < 3 or len(parts[1]) != PREFIX_LENGTH:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.digest, digest_of(presented)):
        return None
    if not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def effective_scopes(token: ApiToken) -> frozenset[str]:
    """The token's scopes its user's current role still allows."""
    return frozenset(token.scopes) & frozenset(scopes_allowed_for(token.user))


def tokens_of(user: Any) -> list[ApiToken]:
    """The user's tokens, live first then revoked, newest first (for the account pages)."""
    rows = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
    return sorted(rows, key=lambda t: t.revoked_at is not None)
