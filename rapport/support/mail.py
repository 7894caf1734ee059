"""Reading an inbound mail defensively: headers, sender, body, and whether it is automatic.

Nothing here raises on bad input: a malformed header reads as empty, an unknown charset is
decoded as UTF-8 with replacement characters, and the caller always has the raw bytes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message as EmailMessageBase
from email.utils import getaddresses, parseaddr
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

MACHINE_SENDERS = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)(?:[+@.]|$)",
    re.IGNORECASE,
)
AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?reply|out of (?:the )?office|autoreply|自动回复|"
    r"undeliverable|delivery status notification|returned mail)",
    re.IGNORECASE,
)


@dataclass
class ParsedMail:
    from_address: str = ""
    from_name: str = ""
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    text: str = ""
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _header(message: EmailMessageBase, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse: read it raw
        value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
    if value is None:
        return ""
    try:
        return " ".join(str(value).split())
    except Exception:
        return ""


def _decode(part: Any) -> str:
    try:
        content = part.get_content()
        return content if isinstance(content, str) else ""
    except Exception:  # unknown charset or broken transfer encoding
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            return bytes(payload).decode(charset, errors="replace")
        except LookupError:
            return bytes(payload).decode("utf-8", errors="replace")


def parse(raw: bytes) -> ParsedMail:
    """Headers and the first plain-text and HTML bodies (attachments skipped)."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception:
        log.exception("Unparseable inbound mail")
        return ParsedMail()
    parsed = ParsedMail()
    for name in (
        "Auto-Submitted",
        "Precedence",
        "List-Id",
        "List-Unsubscribe",
        "List-Post",
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
        "Return-Path",
    ):
        value = _header(message, name)
        if value:
            parsed.headers[name.lower()] = value
    name, address = parseaddr(_header(message, "From"))
    if "@" not in address:
        found = [a for _n, a in getaddresses([_header(message, "From")]) if "@" in a]
        address = found[0] if found else ""
    parsed.from_address, parsed.from_name = address.strip().lower()[:320], name.strip()[:200]
    parsed.subject = _header(message, "Subject")[:300]
    parsed.message_id = _header(message, "Message-ID")[:300]
    parsed.in_reply_to = _header(message, "In-Reply-To")[:300]
    parsed.references = _header(message, "References")[:2000]
    try:
        parts = list(message.walk())
    except Exception:
        parts = [message]
    for part in parts:
        try:
            if part.is_multipart() or part.get_content_disposition() == "attachment":
                continue
            ctype = part.get_content_type()
        except Exception:  # a part whose headers cannot be read is skipped, the raw stays
            log.info("Unreadable MIME part skipped")
            continue
        if ctype == "text/plain" and not parsed.text:
            parsed.text = _decode(part)[:100_000]
        elif ctype == "text/html" and not parsed.html:
            parsed.html = _decode(part)[:200_000]
    return parsed


def automatic_reason(parsed: ParsedMail, envelope_from: str) -> str:
    """Why this mail must not get an automatic answer (RFC 3834 and common practice); "" if
    it may. Auto-replies, bounces, mailing lists, bulk mail and our own addresses are refused."""
    headers = parsed.headers
    auto = headers.get("auto-submitted", "").lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = headers.get("precedence", "").lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("list-id", "list-unsubscribe", "list-post"):
        if name in headers:
            return "mailing list"
    if any(k in headers for k in ("x-autoreply", "x-autorespond")):
        return "auto-responder header"
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if any(word in suppress for word in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    if envelope_from.strip() in ("", "<>") or headers.get("return-path", "").strip() == "<>":
        return "empty envelope sender (a bounce)"
    address = parsed.from_address
    if not address:
        return "no sender address"
    if MACHINE_SENDERS.match(address):
        return "machine sender"
    ours = {
        settings.RAPPORT_SUPPORT_ADDRESS.lower(),
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
    }
    if address in ours or address.endswith("@" + settings.RAPPORT_BOUNCE_DOMAIN.lower()):
        return "our own address"
    if AUTO_SUBJECT.match(parsed.subject):
        return "automatic subject"
    return ""
