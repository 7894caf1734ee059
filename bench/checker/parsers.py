"""CPU per page of the crawler's HTML parsing: the standard library's `html.parser` (what the
checker uses) against lxml and selectolax (PyPI, not dependencies: run this with an interpreter
that has them; missing ones are skipped), on pages saved from the benchmark store.

    curl -s http://127.0.0.1:PORT/p/<id>/<slug>/ -o /tmp/pages/product.html   # and others
    python bench/checker/parsers.py /tmp/pages/*.html [--rounds 300]

Each parser extracts the same facts (links, images, assets, titles, descriptions); the counts
are printed so a parser that finds less is seen. CPU is `time.process_time`; a profiler is
never attached while timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rapport.content.checker.crawler import _PageParser  # noqa: E402

Facts = tuple[int, int, int, int, int]


def stdlib(html: str) -> Facts:
    parser = _PageParser()
    parser.feed(html)
    return (
        len(parser.links),
        len(parser.images),
        len(parser.assets),
        len(parser.titles),
        len(parser.descriptions),
    )


def with_lxml(html: str) -> Facts:
    import lxml.html

    tree = lxml.html.document_fromstring(html)
    links = tree.xpath("//a/@href")
    images = tree.xpath("//img")
    assets = tree.xpath(
        "//script/@src|//iframe/@src|//audio/@src|//video/@src|//source/@src"
        "|//link[contains(translate(@rel,'STYLEHS','stylehs'),'stylesheet')]/@href"
    )
    titles = tree.xpath("//title")
    descriptions = tree.xpath("//meta[translate(@name,'DESCRIPTON','descripton')='description']")
    return len(links), len(images), len(assets), len(titles), len(descriptions)


def with_selectolax(html: str) -> Facts:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    links = [n.attributes.get("href") for n in tree.css("a[href]")]
    images = [n.attributes.get("src") for n in tree.css("img")]
    assets = [
        n.attributes.get("src")
        for n in tree.css("script[src],iframe[src],audio[src],video[src],source[src]")
    ]
    assets += [
        n.attributes.get("href")
        for n in tree.css("link[href]")
        if "stylesheet" in (n.attributes.get("rel") or "").lower()
    ]
    titles = [n.text() for n in tree.css("title")]
    descriptions = [n.attributes.get("content") for n in tree.css('meta[name="description" i]')]
    return len(links), len(images), len(assets), len(titles), len(descriptions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    pages = {p.name: p.read_text() for p in args.pages}
    candidates: dict[str, Callable[[str], Facts]] = {"html.parser (stdlib)": stdlib}
    for name, module, function in (
        ("lxml", "lxml.html", with_lxml),
        ("selectolax (lexbor)", "selectolax.lexbor", with_selectolax),
    ):
        try:
            __import__(module)
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        candidates[name] = function
    for page, html in pages.items():
        print(f"{page} ({len(html):,} characters)")
        for name, function in candidates.items():
            found = function(html)
            began = time.process_time()
            for _ in range(args.rounds):
                function(html)
            per_page = (time.process_time() - began) / args.rounds * 1000
            print(f"  {name:<22} {per_page:6.2f} ms CPU per page   found {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
