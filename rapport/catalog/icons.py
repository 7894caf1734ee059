"""A drawn icon per category (Lucide, the npm package `lucide-static`) for products that have no
photo yet: a lantern shows a lamp, a Christmas bauble a pine tree, instead of two letters.

The icon's drawing is read once from the installed npm package (nothing of it is copied into
this repository); without the package, the tile falls back to the product's initials.
"""

from __future__ import annotations

import functools
import re

from django.conf import settings

# Derived Online Retail categories (imports/categories.py), by the leaf's key (its last part).
ICON_BY_CATEGORY_KEY = {
    "christmas": "tree-pine",
    "easter": "egg",
    "halloween-other-occasions": "ghost",
    "candles-lights": "lamp",
    "cushions-textiles": "sofa",
    "toys-games": "puzzle",
    "accessories": "glasses",
    "cards": "mail",
    "party-supplies": "party-popper",
    "bags": "shopping-bag",
    "gift-wrap": "gift",
    "stationery": "pencil",
    "baking": "cake-slice",
    "tableware": "utensils",
    "kitchenware-storage": "cooking-pot",
    "jewellery": "gem",
    "garden": "flower-2",
    "bath-beauty": "bath",
    "wall-art-frames-clocks": "frame",
    "furniture-hooks": "armchair",
    "boxes-storage": "package",
    "decorations-ornaments": "sparkles",
}
ICON_DIR = settings.BASE_DIR / "node_modules" / "lucide-static" / "icons"
_INNER = re.compile(r"<svg[^>]*>(?P<body>.*)</svg>", re.S)


def icon_name(category_key: str) -> str:
    """The Lucide icon for a category's `external_key` ("home-living/candles-lights"); "" for a
    category without one (its products keep the initials tile)."""
    return ICON_BY_CATEGORY_KEY.get(category_key.rsplit("/", 1)[-1], "")


@functools.cache
def icon_drawing(name: str) -> str:
    """The icon's shapes (the inside of its 24 by 24 SVG), or "" when the package is missing."""
    if not name:
        return ""
    try:
        text = (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return ""
    match = _INNER.search(text)
    return " ".join(match.group("body").split()) if match else ""
