"""Fault script: PostgreSQL stops in the middle of checkouts and starts again, while the app
keeps running. Checkouts while it is down are refused and write nothing; the app recovers by
itself; no order the buyer was told about is lost. Not part of the test suite.

    .venv/bin/python bench/faults/postgres_restart_checkout.py --orders 30

It makes and starts its own PostgreSQL cluster (Debian's `initdb` and `pg_ctl`, run as the
`postgres` system user, in a temporary directory, on a free loopback port; never the machine's
shared server), migrates it, serves the store with gunicorn (2 workers, persistent database
connections as configured) and runs the checkouts over HTTP (`checkouts.py`). Phases: "up";
"down" (`pg_ctl stop -m fast`: open connections are cut); "back" (`pg_ctl start`; the same
gunicorn workers, never restarted). Prints one
JSON object: outcomes per phase and the checks of `checkouts.checks`. Exit status 0 only when
every check holds and every checkout before the stop and after the start became an order.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"{name} not found: apt-get install postgresql")
    return found[-1]


def as_postgres(*command: str) -> None:
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*runner, *command], check=True, capture_output=True)  # noqa: S603


def serve(port: int) -> subprocess.Popen[bytes]:
    """gunicorn on loopback with the bench settings and this process's environment."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603 (our own fixed arguments)
        [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60"],
        cwd=Path(__file__).resolve().parents[2],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=30, help="checkouts in all three phases")
    args = parser.parse_args()
    port = free_port()
    data = tempfile.mkdtemp(prefix="fault-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    as_postgres(pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start() -> None:
        as_postgres(pg_bin("pg_ctl"), "-D", data, "-o", options, "-w", "-l", f"{data}/log", "start")

    def stop() -> None:
        as_postgres(pg_bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop")

    start()
    try:
        as_postgres(pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "rapport")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/rapport"
        os.environ.pop("REDIS_URL", None)  # only the database fails here

        import django

        django.setup()
        from django.core.management import call_command

        from bench.faults import checkouts

        call_command("migrate", verbosity=0)
        web = free_port()
        server = serve(web)
        try:
            shop = checkouts.setup(
                "postgres", stock=10 * args.orders, base_url=f"http://127.0.0.1:{web}"
            )
            phases, timings = checkouts.run_phases(
                shop, max(1, args.orders // 3), {"up": lambda: None, "down": stop, "back": start}
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait()
        result = {"checkouts": phases, "seconds_per_checkout": timings}
        result.update(checkouts.checks(shop, phases))
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            stop()
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result))
    per_phase = max(1, args.orders // 3)
    whole = phases["up"].get("order") == per_phase and phases["back"].get("order") == per_phase
    return 0 if result["ok"] and whole else 1


if __name__ == "__main__":
    raise SystemExit(main())
