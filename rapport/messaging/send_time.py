"""Messages rendered at send time: the outbox row stores what to say (a small JSON spec: the
kind, a template name, primary keys), never the text. For mail that carries secrets —
verification, password-reset, email-change and staff-enrolment links — the link is built when
the mail is sent, so it is never stored, and a retried send builds a fresh one.

A domain app registers a renderer for its kind (`register`, from its AppConfig.ready); the
messaging app never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SendTimeMail:
    subject: str
    text: str
    html: str


Renderer = Callable[[dict[str, Any], str], SendTimeMail]
_RENDERERS: dict[str, Renderer] = {}


class UnknownKind(LookupError):
    """A spec whose kind has no registered renderer."""


def register(kind: str, renderer: Renderer) -> None:
    """Make `kind` renderable: `renderer(spec, language)` returns the mail's parts."""
    _RENDERERS[kind] = renderer


def check(spec: dict[str, Any]) -> None:
    """Raise UnknownKind for a spec nobody can render (caught when queueing, not sending)."""
    if spec.get("kind") not in _RENDERERS:
        raise UnknownKind(f"No send-time renderer for {spec.get('kind')!r}")


def render(spec: dict[str, Any], language: str) -> SendTimeMail:
    check(spec)
    return _RENDERERS[str(spec["kind"])](spec, language)
