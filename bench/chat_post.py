"""CPU per chat message stored: `chat.services.post_message` for an anonymous visitor (the shape
of `bench/ws_chat.py`'s messages), in process, without publishing.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/chat_post.py --posts 2000

Adds 50 conversations and their messages to the database it is given: use a scratch one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL (a scratch PostgreSQL database, migrated).")
    import django

    django.setup()
    from rapport.chat import services
    from rapport.chat.models import Room, RoomKind, RoomStatus

    rooms = Room.objects.bulk_create(
        [
            Room(kind=RoomKind.CUSTOMER, status=RoomStatus.OPEN, visitor_label=f"post {i}")
            for i in range(50)
        ]
    )

    def post(i: int) -> None:
        services.post_message(
            room=rooms[i % len(rooms)],
            actor=None,
            body=f"m{i}",
            from_staff=False,
            author_label="bench",
            publish=False,
        )

    for i in range(5):  # warm: connection, prepared code paths
        post(i)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(args.posts):
        post(i)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{args.posts} posts: CPU {1000 * cpu / args.posts:.3f} ms/post, "
        f"wall {1000 * wall / args.posts:.3f} ms/post, load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
