"""ETags for the pages every first-time visitor shares, computed without rendering them, so a
repeat visit (a browser's, or the site checker's nightly re-crawl) gets a 304 instead of a page.

Only anonymous GETs without a session or message cookie get one (`shared`): anything else may
differ per visitor. The tag is a digest of what the page is drawn from — each view names its own
parts (the catalogue version, the object's `updated_at`, a content page's revision) — plus the
language, the visitor's CSRF cookie (the page's forms carry a token made from it, so a visitor
whose cookie changed gets a fresh page) and the release (the code, templates and catalogues this
process serves: a deploy changes pages without touching the data). Views use Django's
`django.views.decorators.http.condition` with these tags; `None` means "no validator" and the
page is rendered as always.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

# What a page's HTML is made from besides the data: code, templates and message catalogues.
_RELEASE_DIRS = ("rapport", "templates", "locale", "config")
_RELEASE_SUFFIXES = (".py", ".html", ".txt", ".mo")


def shared(request: HttpRequest) -> bool:
    """True for a request whose page is the same for every first-time visitor."""
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


def may_tag(request: HttpRequest) -> bool:
    """Whether `etag` can give this request a validator (else its parts need not be read)."""
    return bool(request.COOKIES.get(settings.CSRF_COOKIE_NAME)) and shared(request)


def etag(request: HttpRequest, *parts: Any) -> str | None:
    """A strong ETag for a shared page drawn from `parts`; None for a request that is not
    `shared`."""
    if not may_tag(request):
        # Without a CSRF cookie the page is drawn with a new one, set by this response; a 304
        # would leave a visitor who cleared their cookies (not their cache) a cached page whose
        # forms carry the token of a cookie they no longer have, refused until a hard reload.
        return None
    csrf = request.COOKIES[settings.CSRF_COOKIE_NAME]
    raw = repr((release(), get_language(), csrf, *parts)).encode()
    return '"' + hashlib.blake2b(raw, digest_size=12).hexdigest() + '"'


@functools.cache
def release() -> str:
    """A digest of the names, sizes and modification times of the files a page is made from
    (read once per process; a few milliseconds). Hosts with different file times give
    different tags: fewer 304s, never a wrong one."""
    digest = hashlib.blake2b(digest_size=8)
    for top in _RELEASE_DIRS:
        folder = settings.BASE_DIR / top
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.suffix in _RELEASE_SUFFIXES and path.is_file():
                info = path.stat()
                digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()
