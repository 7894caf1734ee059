"""Account mail: text + HTML parts, rendered in the reader's language, sent after commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """A link for a mail: from the request when there is one, else from RAPPORT_SITE_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.RAPPORT_SITE_URL.rstrip("/") + path


def send_after_commit(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Queue `accounts/email/<template>{_subject.txt,.txt,.html}` to `to` once the transaction
    commits (nothing is sent for a change that was rolled back)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    ctx = {"site_name": settings.RAPPORT_SITE_NAME, **context}

    def send() -> None:
        with translation.override(language):
            subject = render_to_string(f"accounts/email/{template}_subject.txt", ctx)
            text = render_to_string(f"accounts/email/{template}.txt", ctx)
            html = render_to_string(f"accounts/email/{template}.html", ctx)
        message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[to])
        message.attach_alternative(html, "text/html")
        message.send()

    # robust: a mail server that is down must not turn a finished change into an error page;
    # the failure is logged and the person can ask for the mail again (verification: "send
    # again"; reset: request again). Moving these mails onto the messaging outbox, which
    # retries, is the lasting fix.
    transaction.on_commit(send, robust=True)
