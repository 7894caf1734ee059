"""URL pools for the large-catalogue listing/search benchmark (`bench/scenario_large.json`).

    .venv/bin/python bench/large_pools.py OUT_DIR     # after load_bench_catalogue --export OUT_DIR

Listing URLs: every category x four sorts x pages 1-5, 50 and 200 (so the 60 s listing fragment
cache mostly misses, and deep OFFSETs are included); search terms: every word of the peer's
vocabulary (adjectives, materials, colours, product nouns), pages 1 and 2.
"""

from __future__ import annotations

import os
import sys
import urllib.parse
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
django.setup()

from rapport.inventory.management.commands.load_bench_catalogue import (  # noqa: E402
    PEER_LOADER,
    read_vocabulary,
)

SORTS = ("name", "price", "-price", "newest")
PAGES = (1, 2, 3, 4, 5, 50, 200)


def main(out: Path) -> None:
    categories = (out / "categories.txt").read_text().split()
    listings = [
        f"{c}?sort={s}&page={p}" if p > 1 or s != "name" else c
        for c in categories
        for s in SORTS
        for p in PAGES
    ]
    v = read_vocabulary(PEER_LOADER)
    words = {w.lower() for key in ("ADJECTIVES", "MATERIALS", "COLOURS") for w in v[key]}
    for subs in v["DEPARTMENTS"].values():
        for nouns in subs.values():
            words.update(n.lower() for n in nouns)
    searches = [
        f"/search/?{urllib.parse.urlencode({'q': w, 'page': p})}"
        for w in sorted(words)
        for p in (1, 2)
    ]
    (out / "listings.txt").write_text("".join(u + "\n" for u in listings))
    (out / "searches.txt").write_text("".join(u + "\n" for u in searches))
    print(f"{len(listings)} listing URLs, {len(searches)} search URLs in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
