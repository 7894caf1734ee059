"""The site checker on a small planted site: every fault kind found where it was planted, with the
page that links to it, and nothing reported on clean pages."""

from __future__ import annotations

from rapport.content.checker.crawler import Kind, Settings, crawl
from rapport.content.tests.planted import Resource, image, page, serve

LONG = "A title that goes on and on well past the sixty characters a result shows"


def planted_site(external: str) -> dict[str, Resource]:
    links = [
        "/clean/",
        "/linker/",
        "/images/",
        "/no-title/",
        "/empty-title/",
        "/long-title/",
        "/dup-a/",
        "/dup-b/",
        "/no-desc/",
        "/empty-desc/",
        "/long-desc/",
        "/ddup-a/",
        "/ddup-b/",
        "/slow/",
        "/mixed/",
    ]
    nav = "".join(f'<a href="{u}">{u}</a>' for u in links)
    return {
        "/": page("Home", "The home page", nav + '<a href="mailto:x@example.com">mail</a>'),
        "/clean/": page(
            "Clean page",
            "Nothing wrong here",
            '<img src="/img/ok.png" alt=""><a href="/">home</a><a href="#top">top</a>'
            f'<a href="{external}/fine">external</a><script src="/static/app.js"></script>',
        ),
        "/static/app.js": Resource(b"", "text/javascript"),
        "/img/ok.png": image(),
        "/linker/": page(
            "Linker",
            "Links to a missing page",
            f'<a href="/missing/">gone</a><a href="{external}/gone">gone outside</a>',
        ),
        "/images/": page(
            "Images",
            "Pictures",
            '<img src="/img/none.png"><img src="/img/html.png"><img alt="no source">',
        ),
        "/img/html.png": Resource(b"<html></html>"),
        "/no-title/": page(None, "No title here"),
        "/empty-title/": page("  ", "Empty title here"),
        "/long-title/": page(LONG, "Long title here"),
        "/dup-a/": page("Same title", "First of two"),
        "/dup-b/": page("Same title", "Second of two"),
        "/no-desc/": page("No description", None),
        "/empty-desc/": page("Empty description", ""),
        "/long-desc/": page("Long description", "x" * 161),
        "/ddup-a/": page("Description one", "Shared words"),
        "/ddup-b/": page("Description two", "Shared words"),
        "/slow/": Resource(page("Slow", "Takes its time").body, delay=2.0),
        "/mixed/": page(
            "Mixed", "Insecure script", '<script src="http://cdn.example.test/x.js"></script>'
        ),
        "/orphan/": page("Orphan", "Nothing links here"),
    }


def external_site() -> dict[str, Resource]:
    return {"/fine": page("Fine", "Fine")}


def run(site_url, settings):
    return crawl([site_url + "/"], settings, known_pages=["/orphan/", "/clean/", "/mixed/"])


def test_every_fault_kind_is_found_with_the_linking_page_and_nothing_else():
    with serve(external_site()) as ext, serve(planted_site(ext)) as site:
        report = run(
            site,
            Settings(
                slow_ms=1500, https_site=True, fetch_external=True, external_allow=("127.0.0.1",)
            ),
        )
    got = {(f.kind, f.url.replace(site, ""), f.found_on.replace(site, "")) for f in report.faults}
    expected = {
        (Kind.BROKEN_LINK, "/missing/", "/linker/"),
        (Kind.BROKEN_EXTERNAL, ext + "/gone", "/linker/"),
        (Kind.MISSING_IMAGE, "/img/none.png", "/images/"),
        (Kind.MISSING_IMAGE, "", "/images/"),
        (Kind.BROKEN_IMAGE, "/img/html.png", "/images/"),
        (Kind.MISSING_TITLE, "/no-title/", ""),
        (Kind.EMPTY_TITLE, "/empty-title/", ""),
        (Kind.LONG_TITLE, "/long-title/", ""),
        (Kind.DUPLICATE_TITLE, "/dup-b/", "/dup-a/"),
        (Kind.MISSING_DESCRIPTION, "/no-desc/", ""),
        (Kind.EMPTY_DESCRIPTION, "/empty-desc/", ""),
        (Kind.LONG_DESCRIPTION, "/long-desc/", ""),
        (Kind.DUPLICATE_DESCRIPTION, "/ddup-b/", "/ddup-a/"),
        (Kind.SLOW_PAGE, "/slow/", ""),
        (Kind.MIXED_CONTENT, "http://cdn.example.test/x.js", "/mixed/"),
        (Kind.ORPHAN_PAGE, "/orphan/", ""),
    }
    assert got == expected
    assert {k for k, _u, _f in got} == set(Kind.ALL)
    assert report.pages == 16


def test_external_links_are_listed_not_fetched_by_default():
    hits = []

    class Counting(dict):
        def get(self, key, default=None):
            hits.append(key)
            return super().get(key, default)

    with serve(Counting(external_site())) as ext, serve(planted_site(ext)) as site:
        report = run(site, Settings(slow_ms=5000))
    assert hits == []  # the other server was never contacted
    assert {ext + "/fine", ext + "/gone"} <= report.external_links
    assert not [f for f in report.faults if f.kind == Kind.BROKEN_EXTERNAL]
    # On an http site nothing counts as mixed content; below the threshold nothing is slow.
    assert not [f for f in report.faults if f.kind in (Kind.MIXED_CONTENT, Kind.SLOW_PAGE)]


def test_a_clean_site_reports_nothing():
    site = {
        "/": page("Home", "Welcome", '<a href="/a/">a</a><img src="/i.png" alt="">'),
        "/a/": page("Page A", "About A", '<a href="/">home</a>'),
        "/i.png": image(),
    }
    with serve(site) as url:
        report = crawl([url + "/"], Settings(https_site=True), known_pages=["/a/"])
    assert report.faults == []
    assert report.pages == 2


def test_pages_marked_noindex_need_no_description_nor_a_title_of_their_own():
    noindex = '<meta name="robots" content="noindex, follow">'
    links = (
        '<a href="/login/">in</a><a href="/login/?next=/cart/">in for the cart</a>'
        '<a href="/cart/">cart</a><a href="/about/">about</a><a href="/blank/">blank</a>'
    )
    site = {
        "/": page("Home", "Welcome", links),
        "/login/": Resource(f"<html><head><title>Sign in</title>{noindex}</head></html>".encode()),
        "/cart/": Resource(f"<html><head><title>Cart</title>{noindex}</head></html>".encode()),
        "/blank/": Resource(f"<html><head><title> </title>{noindex}</head></html>".encode()),
        "/about/": page("About", None, '<a href="/">home</a>'),
    }
    with serve(site) as url:
        report = crawl([url + "/"], Settings(https_site=True))
    # The indexable page without a description is still a fault; the noindex ones are not, nor
    # is the sign-in page's title under two addresses. An empty title is, noindex or not.
    assert sorted((f.kind, f.url) for f in report.faults) == [
        (Kind.EMPTY_TITLE, url + "/blank/"),
        (Kind.MISSING_DESCRIPTION, url + "/about/"),
    ]
    assert report.pages == 6


def test_a_page_whose_canonical_link_names_another_page_is_a_copy_not_a_duplicate():
    """A sorted listing says (rel=canonical) it is the plain listing under another address: not a
    duplicate of it. The same title without that link still is; a canonical link to a page
    that is gone is a broken link of the page that carries it."""
    shelf = '<link rel="canonical" href="/shelf/">'
    links = (
        '<a href="/shelf/">shelf</a><a href="/shelf/?sort=price">by price</a>'
        '<a href="/twin/">twin</a><a href="/lost/">lost</a>'
    )

    def listing(canonical: str) -> Resource:
        head = f"<title>Shelves</title>{canonical}<meta name=description content='All shelves'>"
        return Resource(f"<html><head>{head}</head><body></body></html>".encode())

    # The planted server answers /shelf/?sort=price with /shelf/'s page, as a store does.
    site = {
        "/": page("Home", "Welcome", links),
        "/shelf/": listing(shelf),
        "/twin/": listing(""),
        "/lost/": listing('<link rel="canonical" href="/gone/">'),
    }
    with serve(site) as url:
        report = crawl([url + "/"], Settings(https_site=True))
    found = sorted((f.kind, f.url, f.found_on) for f in report.faults)
    assert found == [
        (Kind.BROKEN_LINK, url + "/gone/", url + "/lost/"),
        (Kind.DUPLICATE_DESCRIPTION, url + "/twin/", url + "/shelf/"),
        (Kind.DUPLICATE_TITLE, url + "/twin/", url + "/shelf/"),
    ]
    assert report.facts[url + "/shelf/?sort=price"].canonical == url + "/shelf/"
    assert report.pages == 5


def test_the_checker_runs_from_a_thread_that_already_runs_an_event_loop():
    """A browser driver or an ASGI server keeps a loop running in its thread; a check started
    there still runs (in a thread of its own) instead of failing."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    site = {"/": page("Home", "Welcome", '<a href="/a/">a</a>'), "/a/": page("A", "About A")}

    async def from_inside_a_loop(url: str):
        return crawl([url + "/"], Settings(https_site=True), known_pages=["/a/"])

    with serve(site) as url, ThreadPoolExecutor(max_workers=1) as pool:
        # A thread of its own, so the loop it runs is the only one there.
        report = pool.submit(asyncio.run, from_inside_a_loop(url)).result()
    assert report.pages == 2
    assert report.faults == []


# --- Re-crawls: conditional requests, facts reused on a 304 ---------------------------------


def _faults(report, site):
    return {(f.kind, f.url.replace(site, ""), f.found_on.replace(site, "")) for f in report.faults}


def test_a_recrawl_of_an_unchanged_site_reuses_every_page_and_finds_the_same_faults():
    served: list[tuple[str, int]] = []
    settings = Settings(slow_ms=1500, https_site=True)
    with serve(external_site()) as ext, serve(planted_site(ext), served) as site:
        first = run(site, settings)
        assert {status for _path, status in served} == {200, 404}  # nothing conditional yet
        served.clear()
        again = crawl(
            [site + "/"],
            settings,
            known_pages=["/orphan/", "/clean/", "/mixed/"],
            previous=first.facts,
        )
    assert _faults(again, site) == _faults(first, site)
    assert len({k for k, _u, _f in _faults(again, site)}) == len(Kind.ALL) - 1  # no externals
    assert again.pages == first.pages == 16
    # Every page and image that answered 200 answered 304 now; only the missing ones (404)
    # were fetched in full again.
    assert sorted(p for p, s in served if s != 304) == ["/img/none.png", "/missing/"]
    assert again.reused == len([p for p, s in served if s == 304]) == 18  # 16 pages, 2 images
    assert again.facts.keys() == first.facts.keys()
    assert {u for u, facts in again.facts.items() if facts is not first.facts[u]} == {
        site + "/missing/",
        site + "/img/none.png",
    }


def test_a_recrawl_fetches_and_parses_a_changed_page_and_finds_its_new_faults():
    site = {
        "/": page("Home", "Welcome", '<a href="/a/">a</a><a href="/b/">b</a>'),
        "/a/": page("Page A", "About A", '<a href="/">home</a>'),
        "/b/": page("Page B", "About B", '<a href="/">home</a>'),
    }
    served: list[tuple[str, int]] = []
    with serve(site, served) as url:
        first = crawl([url + "/"], Settings(https_site=True))
        assert first.faults == []
        site["/a/"] = page(
            "Page B",  # now the same title as /b/
            None,
            '<a href="/gone/">gone</a><img src="/nothing.png"><script src="http://x.test/s.js">',
        )
        served.clear()
        again = crawl([url + "/"], Settings(https_site=True), previous=first.facts)
    assert _faults(again, url) == {
        (Kind.DUPLICATE_TITLE, "/b/", "/a/"),
        (Kind.MISSING_DESCRIPTION, "/a/", ""),
        (Kind.BROKEN_LINK, "/gone/", "/a/"),
        (Kind.MISSING_IMAGE, "/nothing.png", "/a/"),
        (Kind.MIXED_CONTENT, "http://x.test/s.js", "/a/"),
    }
    assert sorted(served) == [
        ("/", 304),
        ("/a/", 200),
        ("/b/", 304),
        ("/gone/", 404),
        (
            "/nothing.png",
            404,
        ),
    ]
    assert again.reused == 2


def test_a_recrawl_reports_a_link_to_a_page_that_was_deleted_since():
    site = {
        "/": page("Home", "Welcome", '<a href="/a/">a</a><a href="/b/">b</a>'),
        "/a/": page("Page A", "About A", '<a href="/b/">b</a>'),
        "/b/": page("Page B", "About B", '<a href="/">home</a>'),
    }
    with serve(site) as url:
        first = crawl([url + "/"], Settings(https_site=True))
        del site["/b/"]
        again = crawl([url + "/"], Settings(https_site=True), previous=first.facts)
    # Home and /a/ did not change (304, their links reused), and their link to /b/ is broken.
    assert again.reused == 2
    assert _faults(again, url) == {
        (Kind.BROKEN_LINK, "/b/", "/"),
        (Kind.BROKEN_LINK, "/b/", "/a/"),
    }
    assert again.facts[url + "/b/"].status == 404
