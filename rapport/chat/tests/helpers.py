"""Sockets for chat tests: the real ASGI application (origin check, session, auth), driven by
Channels' WebsocketCommunicator with the session cookie of a logged-in test Client."""

from __future__ import annotations

from typing import Any

from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings

from config.asgi import application


def cookie_of(client: Any) -> str:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}" if name in client.cookies else ""


def staff_path() -> str:
    return f"/{settings.RAPPORT_STAFF_PATH}/ws/chat/"


def visitor_path(room: Any) -> str:
    return f"/ws/chat/{room.public_id}/"


async def open_socket(
    path: str, cookie: str = "", origin: str = "http://testserver"
) -> tuple[WebsocketCommunicator, bool, Any]:
    headers = [(b"origin", origin.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, detail = await communicator.connect(timeout=5)
    return communicator, connected, detail


async def frames_until(communicator: WebsocketCommunicator, kind: str) -> list[dict[str, Any]]:
    """Every frame received up to and including the first of type `kind`."""
    seen = []
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        seen.append(frame)
        if frame.get("type") == kind:
            return seen


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    return (await frames_until(communicator, kind))[-1]
