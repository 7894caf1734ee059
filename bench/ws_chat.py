"""Live-chat benchmark: N concurrent websockets on uvicorn with the Redis channel layer.

Rooms of two sockets each (a customer's two tabs, the shape of a customer conversation): one
tab sends through the consumer (database write, numbering under the room lock, group send over
Redis), the other tab receives. Messages go out at a fixed total rate to random rooms; the
latency is send → receipt in the other tab. Also reports connect time and server memory per
idle connection. One JSON object on stdout; progress on stderr.

    DATABASE_URL=postgres://…/scratch REDIS_URL=redis://127.0.0.1:6379/N \\
      .venv/bin/python bench/ws_chat.py --connections 2000 --rate 200 --seconds 20 --workers 1

Uses (and fills) the database it is given: point it at a scratch database, migrated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def prepare(rooms: int) -> list[tuple[str, str]]:
    """`rooms` anonymous conversations, each readable by one session: (room id, session key)."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings

    from rapport.chat.access import SESSION_ROOMS_KEY
    from rapport.chat.models import Room, RoomKind, RoomStatus

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    made = Room.objects.bulk_create(
        [
            Room(kind=RoomKind.CUSTOMER, status=RoomStatus.OPEN, visitor_label=f"bench {i}")
            for i in range(rooms)
        ]
    )
    pairs = []
    for room in made:
        store = store_class()
        store[SESSION_ROOMS_KEY] = [str(room.public_id)]
        store.create()
        pairs.append((str(room.public_id), str(store.session_key)))
    return pairs


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def server_pids(parent: int) -> list[int]:
    """The uvicorn process and, with --workers > 1, its worker children."""
    children = Path(f"/proc/{parent}/task/{parent}/children")
    out = children.read_text().split() if children.exists() else []
    return [parent, *(int(p) for p in out)]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("the server did not start")


async def run_load(
    port: int, pairs: list[tuple[str, str]], rate: float, seconds: float, pids: list[int]
) -> dict[str, Any]:
    import websockets
    from django.conf import settings

    cookie_name = settings.SESSION_COOKIE_NAME
    origin = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    sent: dict[str, float] = {}
    errors: list[str] = []
    gate = asyncio.Semaphore(20)

    async def open_one(room: str, key: str) -> Any:
        async with gate:
            return await websockets.connect(
                f"ws://127.0.0.1:{port}/ws/chat/{room}/",
                origin=origin,  # type: ignore[arg-type]
                additional_headers={"Cookie": f"{cookie_name}={key}"},
                open_timeout=60,
                max_queue=None,
            )

    rss_before = rss_kib(pids)
    started = time.monotonic()
    sockets: list[tuple[Any, Any]] = []
    for i in range(0, len(pairs), 200):
        chunk = pairs[i : i + 200]
        opened = await asyncio.gather(
            *(open_one(r, k) for r, k in chunk for _ in range(2)), return_exceptions=True
        )
        for j in range(0, len(opened), 2):
            a, b = opened[j], opened[j + 1]
            if isinstance(a, BaseException) or isinstance(b, BaseException):
                errors.append(repr(a if isinstance(a, BaseException) else b))
                continue
            sockets.append((a, b))
        log(f"connected {2 * len(sockets)} sockets")
    connect_seconds = time.monotonic() - started
    await asyncio.sleep(5)
    rss_idle = rss_kib(pids)

    async def reader(ws: Any) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "message":
                    at = sent.pop(frame["body"], None)
                    if at is not None:
                        latencies.append(time.monotonic() - at)
        except Exception as exc:  # a socket that dies is counted, not fatal
            errors.append(repr(exc))

    # Only the receiving tab reads: the sender's own echo is drained and ignored.
    readers = [asyncio.create_task(reader(b)) for _, b in sockets]
    drains = [asyncio.create_task(_drain(a)) for a, _ in sockets]
    total = int(rate * seconds)
    cpu_before = cpu_seconds(pids)
    client_cpu_before = time.process_time()
    begin = time.monotonic()
    for n in range(total):
        due = begin + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        a, _ = random.choice(sockets)
        body = f"m{n}"
        sent[body] = time.monotonic()
        try:
            await a.send(json.dumps({"type": "send", "body": body}))
        except Exception as exc:  # a socket the server dropped: counted as lost
            errors.append(repr(exc))
    send_seconds = time.monotonic() - begin
    await asyncio.sleep(5)
    server_cpu = cpu_seconds(pids) - cpu_before
    client_cpu = time.process_time() - client_cpu_before
    for task in readers + drains:
        task.cancel()
    for a, b in sockets:
        for ws in (a, b):
            with contextlib.suppress(Exception):  # already gone
                await ws.close()
    latencies.sort()
    ms = [x * 1000 for x in latencies]

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p * len(ms)))], 1) if ms else 0.0

    connections = 2 * len(sockets)
    return {
        "connections": connections,
        "connect_seconds": round(connect_seconds, 1),
        "server_rss_mib_before": round(rss_before / 1024, 1),
        "server_rss_mib_idle": round(rss_idle / 1024, 1),
        "kib_per_idle_connection": round((rss_idle - rss_before) / max(1, connections), 1),
        "messages_sent": total,
        "server_cpu_ms_per_message": round(1000 * server_cpu / max(1, total), 2),
        "client_cpu_seconds": round(client_cpu, 1),
        "achieved_rate": round(total / send_seconds, 1),
        "messages_received": len(ms),
        "lost": total - len(ms),
        "latency_ms": {
            "p50": pct(0.50),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "max": round(ms[-1], 1) if ms else 0.0,
            "mean": round(statistics.fmean(ms), 1) if ms else 0.0,
        },
        "load_average_1min": os.getloadavg()[0],
        "errors": errors[:5],
        "error_count": len(errors),
    }


async def _drain(ws: Any) -> None:
    try:
        async for _ in ws:
            pass
    except Exception:  # closed at the end
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL (a scratch PostgreSQL database) and REDIS_URL.")

    pairs = prepare(args.connections // 2)
    port = args.port
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - our own venv's uvicorn, fixed arguments
        [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "config.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--workers={args.workers}",
            "--log-level=warning",
            "--no-access-log",
            "--lifespan=off",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings_bench"},
    )
    try:
        wait_port(port)
        time.sleep(2 if args.workers > 1 else 0.5)
        pids = server_pids(server.pid)
        result = asyncio.run(run_load(port, pairs, args.rate, args.seconds, pids))
    finally:
        server.terminate()
        server.wait(timeout=30)
    result.update({"workers": args.workers, "target_rate": args.rate, "seconds": args.seconds})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
