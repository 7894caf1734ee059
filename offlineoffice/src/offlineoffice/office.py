"""Everything one profile needs, wired together: profile, local store, API client, sync engine
and workbench. The UI and the command line both start from `Office.open(data_dir)`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from offlineoffice import account
from offlineoffice.api import ApiClient, ApiError, Offline
from offlineoffice.profile import Profile, default_data_dir
from offlineoffice.store import LocalStore
from offlineoffice.sync import SyncEngine, SyncReport
from offlineoffice.workbench import Workbench


@dataclass
class Office:
    profile: Profile
    store: LocalStore
    api: ApiClient
    engine: SyncEngine
    workbench: Workbench

    @classmethod
    def open(
        cls,
        data_dir: Path | str | None = None,
        *,
        server: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> Office:
        profile = Profile(Path(data_dir) if data_dir else default_data_dir())
        store = LocalStore(profile.store_path)
        api = ApiClient(
            profile,
            server=server,
            session_token=lambda: store.get_meta("session_token"),
            transport=transport,
            timeout=timeout,
        )
        return cls(profile, store, api, SyncEngine(store, api), Workbench(store))

    def close(self) -> None:
        self.api.close()
        self.store.close()

    @property
    def signed_in(self) -> bool:
        return bool(self.store.get_meta("session_token"))

    @property
    def user(self) -> dict[str, Any]:
        return dict(self.store.get_meta("user") or {})

    def sign_in(self, username: str, password: str, otp: str | None = None) -> dict[str, Any]:
        return account.sign_in(self.store, self.api, username=username, password=password, otp=otp)

    def sync(self) -> SyncReport:
        """Renew the certificate if due, then push, pull and upload the usage log."""
        try:
            account.renew_if_due(self.profile, self.api, self.store)
        except Offline as exc:
            self.store.log("sync.offline", str(exc)[:200])
            return SyncReport(errors=[f"offline: {exc}"])
        except ApiError as exc:  # the certificate is still valid: sync, and say so
            self.store.log("certificate.renewal_failed", str(exc)[:200])
        return self.engine.sync()

    def reachable(self) -> bool:
        """Is the server there and does it accept this device and session? (GET /me)"""
        try:
            self.api.call("GET", "/me")
        except Offline:
            return False
        except ApiError:
            return True  # reachable, but something to fix (shown on sync)
        return True
