from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rapport.operations import crypto, health
from rapport.operations.request_stats import _CacheBackend, stats


@pytest.fixture(autouse=True)
def _fresh_operations_state() -> Iterator[None]:
    """Readiness results are cached for a few seconds and the request statistics buffer lives
    in the process: each test starts from nothing (statistics in the test's local cache)."""
    health._cached = None
    stats.reset(_CacheBackend())
    yield
    health._cached = None
    stats.reset()


@pytest.fixture
def backup_settings(settings: Any, tmp_path: Any) -> Any:
    settings.RAPPORT_BACKUP_DIR = tmp_path / "backups"
    settings.RAPPORT_BACKUP_KEY = crypto.new_key()
    return settings


class Clock:
    """A controlled clock for the request statistics."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    from rapport.operations import request_stats

    fake = Clock(1_800_000_000.0)  # a multiple of the bucket size
    monkeypatch.setattr(request_stats, "clock", fake)
    return fake
