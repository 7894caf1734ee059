"""Domain exceptions of the accounts app (views turn them into messages)."""

from rapport.accounts.tokens import BadLink


class AccountError(Exception):
    """An account change that cannot be made (the message is safe to show)."""


class InvalidCode(Exception):
    """A one-time code (TOTP or recovery code) was wrong, reused, or throttled."""


class Throttled(Exception):
    """Too many requests of this kind from this address or for this account: wait."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"Try again in {minutes} minutes.")
        self.minutes = minutes


__all__ = ["AccountError", "BadLink", "InvalidCode", "Throttled"]
