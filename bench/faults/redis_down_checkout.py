"""Fault script: Redis (cache, Celery broker) dies in the middle of checkouts and comes back.
Every checkout must end as a whole order or as a refusal that wrote nothing. Not part of the
test suite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_fault_redis \\
        .venv/bin/python bench/faults/redis_down_checkout.py --orders 30

It starts its own `redis-server` on a free loopback port (never the machine's shared one) and
uses the database in DATABASE_URL, which it migrates: use a scratch one. Each checkout goes
through the store's real HTTP path in process (`checkouts.py`: add to cart, details, verify,
confirm). The first third runs with Redis up, the second with Redis killed (SIGKILL), the last
after Redis is started again on the same port, with the same app (no restart). Prints one JSON
object: outcomes per phase and the checks of `checkouts.checks`. Exit status 0 only when every
check holds and every checkout with Redis up (before and after) became an order.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(port: int, workdir: str) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    arguments = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", workdir]
    server = subprocess.Popen(  # noqa: S603 (our own fixed arguments)
        [binary, *arguments, "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=30, help="checkouts in all three phases")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database.")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="fault-redis-")
    servers = [start_redis(port, workdir)]
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # tasks go to the broker, as in production

    import django

    django.setup()
    from django.core.management import call_command

    from bench.faults import checkouts

    call_command("migrate", verbosity=0)
    shop = checkouts.setup("redis", stock=10 * args.orders)

    def kill() -> None:
        servers[-1].send_signal(signal.SIGKILL)
        servers[-1].wait()

    try:
        phases, timings = checkouts.run_phases(
            shop,
            max(1, args.orders // 3),
            {
                "up": lambda: None,
                "down": kill,
                "back": lambda: servers.append(start_redis(port, workdir)),
            },
        )
    finally:
        servers[-1].send_signal(signal.SIGTERM)
        servers[-1].wait()
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "checkouts": phases,
        "seconds_per_checkout": timings,
        **checkouts.checks(shop, phases),
    }
    print(json.dumps(result))
    per_phase = max(1, args.orders // 3)
    whole = phases["up"].get("order") == per_phase and phases["back"].get("order") == per_phase
    return 0 if result["ok"] and whole else 1


if __name__ == "__main__":
    raise SystemExit(main())
