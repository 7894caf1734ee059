"""The support inbox's SMTP side (aiosmtpd): store every message, then answer or route it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)


class SupportInboxHandler:
    """Accept mail for the support address; the ORM is synchronous, so the work runs in a
    worker thread. A message is acknowledged (250) only once its raw bytes are stored; if
    storing fails the sender gets 451 and retries, so nothing is lost."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        accepted = {a.lower() for a in settings.RAPPORT_SUPPORT_RECIPIENTS}
        if accepted and address.lower() not in accepted:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None,
                receive_in_thread,
                bytes(envelope.original_content or envelope.content),
                str(envelope.mail_from or ""),
                list(envelope.rcpt_tos),
            )
        except Exception:
            log.exception("Storing an inbound support mail failed")
            return "451 4.3.0 Temporary failure, please retry"
        return "250 OK: received"


def receive_in_thread(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> int:
    """Store the mail, then process it (a Celery task, or inline without a broker)."""
    from django.db import close_old_connections, connection

    from rapport.support.inbound import dispatch, receive_mail

    close_old_connections()
    try:
        pk = receive_mail(raw=raw, envelope_from=mail_from, rcpt_tos=rcpt_tos)
        dispatch(pk)
        return pk
    finally:
        connection.close()


def start_server(*, host: str, port: int) -> Any:
    """A started aiosmtpd Controller serving the support inbox (call .stop() to end it)."""
    from aiosmtpd.controller import Controller

    controller = Controller(
        SupportInboxHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.RAPPORT_SUPPORT_MAX_MAIL_BYTES,
        decode_data=False,
    )
    controller.start()
    return controller
