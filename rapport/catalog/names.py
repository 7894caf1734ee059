"""Product names as people read them. Online Retail's names are all capitals ("WHITE HANGING
HEART T-LIGHT HOLDER"); pages show them in title case ("White Hanging Heart T-Light Holder")
while the stored name — the one on invoices and order lines — stays as it was."""

from __future__ import annotations

import functools
import re

SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
)
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@functools.lru_cache(maxsize=8192)
def readable_name(name: str) -> str:
    """Title case for a name written in capitals; any other name is returned unchanged."""
    if not name or name != name.upper() or not any(ch.isalpha() for ch in name):
        return name
    first = True

    def word(match: re.Match[str]) -> str:
        nonlocal first
        text = match.group(0).lower()
        result = text if (text in SMALL_WORDS and not first) else text.capitalize()
        first = False
        return result

    return _WORD.sub(word, name)
