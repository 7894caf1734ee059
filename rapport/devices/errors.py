"""Domain exceptions of device enrolment and device sessions (the API maps each to a problem)."""

from __future__ import annotations


class DeviceError(Exception):
    """A device action that cannot be done; `kind` names the API problem type."""

    kind = "device-error"
    status = 400


class EnrolmentRefused(DeviceError):
    """The enrolment code is unknown, used or expired (one answer for all three)."""

    kind = "enrolment-refused"
    status = 403


class InvalidRequest(DeviceError):
    """A CSR or usage entry that does not parse or does not fit (the message says which)."""

    kind = "validation-failed"
    status = 422

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class SignInFailed(DeviceError):
    """Wrong email or password, or a wait imposed by the brute-force protection."""

    kind = "sign-in-failed"
    status = 401


class SecondFactorNeeded(DeviceError):
    """Staff (and customers who turned it on) give their authenticator code; it was missing
    or wrong."""

    kind = "otp-required"
    status = 401


class PersonMismatch(DeviceError):
    """Someone other than the device's person tried to sign in on it."""

    kind = "device-person-mismatch"
    status = 403
