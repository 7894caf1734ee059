"""Shared set-up of the offline benchmarks: Django on the scratch database, people, tokens."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def setup() -> None:
    import django

    django.setup()


def person(email: str, role: str | None = None) -> Any:
    from django.contrib.auth.models import Group

    from rapport.accounts.models import User
    from rapport.customers.models import Customer

    user = User.objects.create_user(email=email)
    if role:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    else:
        Customer.objects.create(user=user, email=email, name=email.split("@")[0])
    return user


def token_client(user: Any) -> Any:
    from django.test import Client

    from rapport.accounts.services.api_tokens import create_token, scopes_allowed_for

    token = create_token(user=user, name="bench", scopes=list(scopes_allowed_for(user)))
    return Client(headers={"authorization": f"Bearer {token}"}, SERVER_NAME="127.0.0.1")


class Timer:
    """Wall and CPU time (this process only: PostgreSQL's own CPU is not in it)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def stamp() -> str:
    return f"{time.time_ns() % 10**10}"
