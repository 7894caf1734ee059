"""Whole-page cache for first-time visitors (no session, no messages): the rendered page is
stored with a placeholder where the CSRF token goes, and each response gets its own token.

Pages that differ per visitor (signed in, a session, a flash message) are always rendered
fresh; no cached page shows the cart, so an anonymous cart (a cookie of its own) does not
count. A cached page is stored with the `state` it was rendered from (e.g. `updated_at` and live
stock); the caller reads the live state with one cheap query and serves the copy only when the
two are equal, so a cached page is never stale, and the full query and the rendering are skipped
on a hit.

A miss renders only the page template's own blocks (`title`, `head`, `content`) and sets them
into the page around them (`storefront/_shell.html`: the base template with the first-time
visitor's header and footer), which each process renders once per language: the base template's
inheritance, head and context processors were a fifth of a product page's rendering, the same
on every page. A test checks the two ways give the same page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import Context
from django.template.base import Template
from django.template.context import make_context
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import BlockNode, ExtendsNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from rapport.storefront.context_processors import store

CSRF_PLACEHOLDER = "__rapport_csrf_placeholder__"
TIMEOUT = 300
SHELL = "storefront/_shell.html"
BASE = "base.html"
SHELL_BLOCKS = ("title", "head", "content")
_SHELL_MARK = "__rapport_shell_%s__"
_shells: dict[tuple[Any, ...], list[str]] = {}


def cacheable(request: HttpRequest) -> bool:
    """Only anonymous visitors without a session or message cookie share rendered pages."""
    cookies = request.COOKIES
    return not (
        request.user.is_authenticated
        or settings.SESSION_COOKIE_NAME in cookies
        or "messages" in cookies
    )


def _key(key_parts: tuple[Any, ...]) -> str:
    return "page:" + ":".join(str(p) for p in (*key_parts, get_language()))


def shared_copy(request: HttpRequest, key_parts: tuple[Any, ...]) -> tuple[Any, str] | None:
    """`(state, html)` of the cached page under `key_parts` for a first-time visitor; None for
    anyone else or when nothing is cached. Serve it with `serve` only if `state` is still the
    live state."""
    if not cacheable(request):
        return None
    copy: tuple[Any, str] | None = cache.get(_key(key_parts))
    return copy


def serve(request: HttpRequest, html: str) -> HttpResponse:
    """A cached page with this response's own CSRF token (which also sets the CSRF cookie)."""
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def render_shared(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    key_parts: tuple[Any, ...],
    state: Any,
) -> HttpResponse:
    """Render `template`; for a first-time visitor also keep a copy under `key_parts` together
    with the `state` it shows. Every response carries its own CSRF token and sets the CSRF
    cookie (forms and htmx posts need it, even on a page that shows no form)."""
    token = get_token(request)  # once: each call masks the secret anew
    if not cacheable(request):
        return HttpResponse(
            render_to_string(template, {**context, "csrf_token": token}, request=request)
        )
    html = render_in_shell(
        request, template, {**context, "csrf_token": CSRF_PLACEHOLDER}, processors=False
    )
    cache.set(_key(key_parts), (state, html), TIMEOUT)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, token))


def _shell(request: HttpRequest) -> list[str]:
    """The first-time visitor's page around the blocks, cut at each block: len(SHELL_BLOCKS) + 1
    pieces."""
    key = (get_language(), settings.RAPPORT_SITE_NAME, get_script_prefix(), get_urlconf())
    pieces = _shells.get(key)
    if pieces is None:
        rest = str(render_to_string(SHELL, {"csrf_token": CSRF_PLACEHOLDER}, request=request))
        pieces = []
        for name in SHELL_BLOCKS:
            before, rest = rest.split(_SHELL_MARK % name)
            pieces.append(before)
        pieces.append(rest)
        if not settings.DEBUG:  # template edits show at once
            _shells[key] = pieces
    return pieces


def _page_blocks(template_name: str) -> tuple[Template, dict[str, BlockNode]] | None:
    """The compiled template and the blocks it is drawn from (its own, and the base template's
    for those it leaves alone), if it extends the store's base template and fills no block but
    `SHELL_BLOCKS` (else it is rendered whole)."""
    template: Template = get_template(template_name).template  # type: ignore[attr-defined]
    extends = next((n for n in template.nodelist if isinstance(n, ExtendsNode)), None)
    if extends is None or getattr(extends.parent_name, "var", None) != "storefront/base.html":
        return None
    own = {n.name: n for n in extends.nodelist if isinstance(n, BlockNode)}
    if not set(own) <= set(SHELL_BLOCKS):
        return None
    return template, {**_base_blocks(), **own}


def _base_blocks() -> dict[str, BlockNode]:
    """The root base template's own `SHELL_BLOCKS` (a page that leaves its title alone shows
    the base's)."""
    root: Template = get_template(BASE).template  # type: ignore[attr-defined]
    found: list[BlockNode] = root.nodelist.get_nodes_by_type(BlockNode)  # type: ignore[assignment]
    return {n.name: n for n in found if n.name in SHELL_BLOCKS}


def render_in_shell(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any],
    *,
    processors: bool = True,
) -> str:
    """`template_name` as a first-time visitor sees it (`cacheable`; the caller checks), the
    same HTML as `render_to_string(template_name, context, request=request)`. Not for a page
    whose header differs (the search page prints its query there). `processors=False` skips
    the context processors for a page whose blocks read none but the `store` one's SITE_NAME
    and store_urls, the request and the visitor (the product page: its test compares)."""
    found = _page_blocks(template_name)
    if found is None:
        return render_to_string(template_name, context, request=request)
    template, blocks = found
    if processors:  # they run, as for a whole page
        page = make_context(context, request)
    else:
        page = Context({**store(request), "request": request, "user": request.user, **context})
    with page.render_context.push_state(template), page.bind_template(template):
        rendered = [blocks[name].render(page) for name in SHELL_BLOCKS]
    pieces = _shell(request)
    html = [pieces[0]]
    for block, piece in zip(rendered, pieces[1:], strict=True):
        html += [block, piece]
    return "".join(html)


def render_page(request: HttpRequest, template_name: str, context: dict[str, Any]) -> HttpResponse:
    """`django.shortcuts.render` for a store page: a first-time visitor's page is drawn in the
    kept shell."""
    if cacheable(request):
        return HttpResponse(render_in_shell(request, template_name, context))
    return HttpResponse(render_to_string(template_name, context, request=request))
