"""Enrolment, certificate renewal, sign-in and sign-out (the contract in docs/offline-client.md)."""

from __future__ import annotations

import platform
from typing import Any

from offlineoffice import __version__
from offlineoffice.api import ApiClient
from offlineoffice.profile import Profile
from offlineoffice.store import LocalStore

RENEW_WHEN_DAYS_LEFT = 2.0


def enrol(profile: Profile, *, server: str, code: str, name: str) -> dict[str, Any]:
    """Make the key pair here, send only a CSR with the one-time code, keep the certificate."""
    api = ApiClient(profile, server=server)
    try:
        answer = api.call(
            "POST",
            "/devices/enrol",
            json={
                "code": code.strip(),
                "csr": profile.csr_pem(name),
                "name": name,
                "platform": f"{platform.system()} {platform.release()}".strip(),
                "client_version": __version__,
            },
            signed=False,
        )
    finally:
        api.close()
    profile.store_certificate(answer["certificate"], answer.get("ca_certificate"))
    profile.update_settings(
        server=server.rstrip("/"),
        device_id=str(answer["device_id"]),
        device_name=name,
        person=answer.get("person"),
        not_after=answer.get("not_after"),
    )
    return dict(answer)


def renew_if_due(profile: Profile, api: ApiClient, store: LocalStore) -> bool:
    """Renew the certificate (same key, new CSR) when fewer than 2 days remain."""
    days_left = profile.certificate_days_left()
    if days_left is None or days_left >= RENEW_WHEN_DAYS_LEFT:
        return False
    answer = api.call("POST", "/devices/renew", json={"csr": profile.csr_pem("offlineoffice")})
    profile.store_certificate(answer["certificate"])
    profile.update_settings(not_after=answer.get("not_after"))
    store.log("certificate.renewed", str(answer.get("not_after")))
    return True


def sign_in(
    store: LocalStore, api: ApiClient, *, username: str, password: str, otp: str | None
) -> dict[str, Any]:
    """Open a device session for the device's person; keep its token in the local store."""
    answer = api.call(
        "POST",
        "/devices/session",
        json={"username": username, "password": password, "otp": otp or None},
        as_person=False,
    )
    store.set_meta("session_token", answer["session_token"])
    store.set_meta("session_expires_at", answer.get("expires_at"))
    previous = store.get_meta("user")
    store.set_meta("user", answer["user"])
    if previous and previous.get("id") != answer["user"].get("id"):
        store.set_meta("cursor", None)  # another person's view: pull everything again
    store.log("session.signed_in", str(answer["user"].get("email", "")))
    return dict(answer)


def sign_out(store: LocalStore, api: ApiClient) -> None:
    try:
        api.call("DELETE", "/devices/session")
    finally:
        store.set_meta("session_token", None)
        store.log("session.signed_out")
