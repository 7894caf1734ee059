"""Attachments the sender renders at send time, from what the outbox row says to attach.

A message stores *what* to attach — `{"kind": "order-receipt", "order_id": 42}` — not the bytes:
rendering a PDF costs far more than the rest of a request, and the row stays small. The sender
(`services.send_message`, i.e. the Celery worker) asks the renderer registered for the kind to
produce the file on every attempt; the same function serves any other use of the document (the
e-receipt download), so there is one code path for it.

Apps register their kinds from `AppConfig.ready()` (kinds are stable names stored in the
database: never rename one that may still be queued).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


Renderer = Callable[[dict[str, Any]], Attachment]

_renderers: dict[str, Renderer] = {}


class UnknownAttachment(LookupError):
    pass


def register(kind: str, renderer: Renderer) -> None:
    """Make `kind` attachable: `renderer(spec)` returns the file for a spec of that kind."""
    existing = _renderers.get(kind)
    if existing is not None and existing is not renderer:
        raise ValueError(f"Attachment kind {kind!r} is already registered")
    _renderers[kind] = renderer


def check(specs: list[dict[str, Any]]) -> None:
    """Raise UnknownAttachment unless every spec is a dict naming a registered kind."""
    for spec in specs:
        if not isinstance(spec, dict) or spec.get("kind") not in _renderers:
            raise UnknownAttachment(f"No renderer for attachment {spec!r}")


def render(spec: dict[str, Any]) -> Attachment:
    """The file for one stored spec (raises UnknownAttachment, or whatever the renderer raises)."""
    renderer = _renderers.get(spec.get("kind", ""))
    if renderer is None:
        raise UnknownAttachment(f"No renderer for attachment {spec!r}")
    return renderer(spec)
