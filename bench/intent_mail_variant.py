# ruff: noqa: RUF001 - Chinese mails use Chinese punctuation
"""The same support texts written as real mails: greeting, signature, quoted earlier message,
order numbers, HTML-only bodies, English or Chinese wrappers. Deterministic per text.

Used by bench/intents.py; each variant is (plain body, html body) — one of them empty.
"""

from __future__ import annotations

import hashlib
import random
import re
from html import escape

GREETINGS_EN = ["Hi,", "Hello team,", "Dear Sir or Madam,", "Good morning,", "Hi there,", "Hello"]
GREETINGS_ZH = ["您好，", "你好！", "尊敬的客服：", "您好"]
SIGNATURES_EN = [
    "Best regards,\nAnn Lee\n+44 20 7946 0958",
    "Thanks,\nTom",
    "Kind regards\nMaria Gonzalez\nSent from my iPhone",
    "Cheers,\nSam",
    "-- \nPeter Novak | Novak Design Ltd | www.novak.example",
    "Thank you in advance!\nJ.",
]
SIGNATURES_ZH = ["谢谢！\n张伟", "此致\n敬礼\n李娜", "祝好\n王芳\n发自我的 iPhone", "多谢！\n陈静"]
QUOTES = [
    # The shop's earlier mails: full of words that belong to other intents.
    "Thank you for your order R251130-K7M2PQ. Your invoice is attached. You can track the "
    "parcel, change the delivery address or cancel the order from your account.",
    "Your refund of £24.99 has been issued to your card. Refunds take 3-5 days to appear.",
    "Welcome to Rapport! Your account was created. Subscribe to our newsletter for offers.",
    "We are sorry to hear about the problem with your payment. Please try another card.",
]
QUOTE_HEADERS_EN = [
    "On Mon, 1 Dec 2026 at 10:02, Rapport Support <support@rapport.example> wrote:",
    "-----Original Message-----\nFrom: Rapport <orders@rapport.example>\nSent: Monday, "
    "December 1, 2026 10:02 AM\nSubject: Your order",
]
QUOTE_HEADERS_ZH = ["在 2026年12月1日 10:02，Rapport Support <support@rapport.example> 写道："]
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LONG_NUMBER = re.compile(r"#?\d{5,}")


def _order_number(rng: random.Random) -> str:
    return f"R{rng.randint(250101, 261231)}-" + "".join(rng.choice(ALPHABET) for _ in range(6))


def as_mail(text: str) -> tuple[str, str]:
    """One realistic mail around `text`: (plain body, "") or ("", html body)."""
    rng = random.Random(hashlib.sha1(text.encode()).hexdigest())  # noqa: S324
    chinese = rng.random() < 0.3
    body = LONG_NUMBER.sub(lambda _m: _order_number(rng), text)
    lines: list[str] = []
    if rng.random() < 0.8:
        greeting = rng.choice(GREETINGS_ZH if chinese else GREETINGS_EN)
        if rng.random() < 0.3 and not chinese:
            body = f"{greeting} {body}"
        else:
            lines += [greeting, ""]
    lines.append(body)
    if rng.random() < 0.25:
        lines += ["", f"Order number: {_order_number(rng)}"]
    if rng.random() < 0.85:
        lines += ["", rng.choice(SIGNATURES_ZH if chinese else SIGNATURES_EN)]
    quoted = rng.random() < 0.5
    header = rng.choice(QUOTE_HEADERS_ZH if chinese else QUOTE_HEADERS_EN)
    earlier = rng.choice(QUOTES)
    if rng.random() < 0.3:  # HTML only, as many mail apps send it
        parts = "".join(
            f"<div>{escape(line) or '<br>'}</div>" for line in "\n".join(lines).split("\n")
        )
        if quoted:
            parts += (
                f'<div class="gmail_quote"><div>{escape(header)}</div>'
                f"<blockquote><p>{escape(earlier)}</p></blockquote></div>"
            )
        return "", f"<html><body>{parts}</body></html>"
    if quoted:
        prefix = "" if header.startswith("-----") else "> "  # Outlook quotes without ">"
        lines += ["", header, *(f"{prefix}{w}" for w in _wrap(earlier))]
    return "\n".join(lines), ""


def _wrap(text: str, width: int = 70) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*out, line] if line else out
