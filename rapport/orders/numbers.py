"""Human-friendly order numbers: R + date + six characters nobody misreads (no 0/O, 1/I/L)."""

from __future__ import annotations

import secrets

from django.utils import timezone

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_order_number() -> str:
    # 31^6 ≈ 887 million per day: a clash is vanishingly rare, and the unique constraint on
    # Order.number turns one into a retried attempt rather than a duplicate.
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"R{timezone.now():%y%m%d}-{suffix}"
