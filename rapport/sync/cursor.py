"""The pull cursor: per type of object, the (updated_at, id) of the last change handed out,
packed into an opaque URL-safe string. Clients store it and send it back unchanged."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

Watermark = tuple[datetime | None, int]


class BadCursor(ValueError):
    """A cursor this server did not write (or no longer understands)."""


VERSION = 1


def dump(marks: dict[str, Watermark]) -> str:
    body = {t: [at.isoformat() if at else None, pk] for t, (at, pk) in sorted(marks.items())}
    raw = json.dumps({"v": VERSION, "w": body}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def load(text: str | None, types: tuple[str, ...]) -> dict[str, Watermark]:
    if not text:
        return {}
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data: Any = json.loads(raw)
        if data.get("v") != VERSION or not isinstance(data.get("w"), dict):
            raise BadCursor("unknown cursor version")
        marks: dict[str, Watermark] = {}
        for kind, (at, pk) in data["w"].items():
            if kind not in types or not isinstance(pk, int) or not 0 <= pk < 2**63:
                raise BadCursor("unknown type in cursor")
            when = datetime.fromisoformat(at) if at else None
            if when is not None and when.tzinfo is None:
                raise BadCursor("a watermark without its time zone")
            marks[kind] = (when, pk)
        return marks
    except (binascii.Error, ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise BadCursor("not a cursor") from exc
