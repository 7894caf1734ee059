"""Paths of often-linked pages, reversed once and filled in.

`reverse()` walks the URL resolver on every call (~20 µs here); a cart, a listing or a product
page links to dozens of products and categories, and reversing each cost more than the rest of
its row. A `PathPattern` reverses its URL once per process (and script prefix and URL
configuration) with sample values, keeps the text around them, and fills real values in.

Only for arguments that need no escaping in a path, which a slug, an integer or a UUID never do
(the tests compare every pattern with `reverse`).
"""

from __future__ import annotations

from typing import Any

from django.urls import get_script_prefix, get_urlconf, reverse


class PathPattern:
    def __init__(self, viewname: str, **samples: Any) -> None:
        """`samples`: a value for each keyword argument of the URL, matching its converter and
        distinct enough not to occur anywhere else in the path."""
        self.viewname = viewname
        self.samples = samples
        self._parts: dict[tuple[str, Any], tuple[list[str], list[str]]] = {}

    def _split(self) -> tuple[list[str], list[str]]:
        path = reverse(self.viewname, kwargs=self.samples)
        found = sorted((path.index(str(sample)), name) for name, sample in self.samples.items())
        texts, names, start = [], [], 0
        for position, name in found:
            texts.append(path[start:position])
            names.append(name)
            start = position + len(str(self.samples[name]))
        texts.append(path[start:])
        return texts, names

    def __call__(self, **values: Any) -> str:
        key = (get_script_prefix(), get_urlconf())
        parts = self._parts.get(key)
        if parts is None:
            parts = self._parts[key] = self._split()
        texts, names = parts
        pieces = [texts[0]]
        for name, text in zip(names, texts[1:], strict=True):
            pieces.append(str(values[name]))
            pieces.append(text)
        return "".join(pieces)
