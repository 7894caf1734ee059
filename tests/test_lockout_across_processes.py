"""Brute-force delays hold across app processes, and nobody else can lock a customer out:
real `manage.py runserver --noreload` processes, one database.

Failed logins alternate between two processes; after RAPPORT_LOGIN_FREE_FAILURES failures in
total both make that address wait, even with the right password. Per-process counters (e.g. a
local-memory cache) would let each process see only half the failures. An attacker failing from
another address (the server sees a different REMOTE_ADDR: it listens on 127.0.0.1 and the
attacker connects from 127.0.0.2) never delays the real user.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "ann@example.com"
PASSWORD = "correct horse battery staple 42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class SourceAddress(urllib.request.HTTPHandler):
    """Connect from a chosen loopback address, so the server sees another client."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def http_open(self, req):
        import http.client

        def connection(host, **kwargs):
            return http.client.HTTPConnection(host, source_address=(self.source, 0), **kwargs)

        return self.do_open(connection, req)


class Browser:
    """Plain HTTP with its own cookies (the app's cookies are `Secure`, which a standard cookie
    jar would not send back over the test's plain-HTTP loopback)."""

    def __init__(self, base: str, source: str = "127.0.0.1") -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect(), SourceAddress(source))

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.read().decode()

    def login(self, password: str) -> int:
        _, page = self.request("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        status, _ = self.request(
            "/login/", {"csrfmiddlewaretoken": token, "username": EMAIL, "password": password}
        )
        return status


def start_server(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=2).read()  # noqa: S310
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"server at {base} did not start")


@pytest.fixture
def shared_database(tmp_path, django_db_blocker):
    """A database both servers use, holding one customer: PostgreSQL's test database, or a
    migrated SQLite file (the default in-memory test database cannot be shared)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    if settings.IS_POSTGRES:
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        with django_db_blocker.unblock():
            from rapport.accounts.models import User

            User.objects.create_user(email=EMAIL, password=PASSWORD)
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                f"from rapport.accounts.models import User; "
                f"User.objects.create_user(email={EMAIL!r}, password={PASSWORD!r})",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


@pytest.mark.django_db(transaction=True)
def test_delays_are_shared_by_two_server_processes(shared_database):
    ports = [free_port(), free_port()]
    servers = [start_server(shared_database, port) for port in ports]
    try:
        browsers = [Browser(f"http://127.0.0.1:{port}") for port in ports]
        for browser in browsers:
            wait_until_up(browser.base)

        free = settings.RAPPORT_LOGIN_FREE_FAILURES
        statuses = [browsers[n % 2].login("wrong password") for n in range(free + 1)]

        # A wrong password re-shows the form (200); a delayed right one too (200), where a
        # right one would sign in (302).
        assert statuses == [200] * (free + 1)
        assert browsers[0].login(PASSWORD) == 200
        assert browsers[1].login(PASSWORD) == 200
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_an_attacker_elsewhere_cannot_lock_the_real_user_out(shared_database):
    port = free_port()
    server = start_server(shared_database, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        attacker = Browser(base, source="127.0.0.2")
        for _ in range(settings.RAPPORT_LOGIN_FREE_FAILURES * 3):
            attacker.login("wrong password")
        assert attacker.login(PASSWORD) == 200  # the attacker's own address waits

        owner = Browser(base, source="127.0.0.1")

        # Signed in: a redirect away from the login form (a refusal re-shows it with 200).
        assert owner.login(PASSWORD) == 302
    finally:
        server.terminate()
        server.wait(timeout=10)
