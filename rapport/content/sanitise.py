"""Rich text is cleaned before it is stored: Wagtail's editor already writes a small set of
tags, but text can also arrive from imports, the shell or a crafted form post. nh3 (ammonia)
keeps the tags and attributes the editor's features produce and drops everything else (scripts,
event handlers, `javascript:` links, styles)."""

from __future__ import annotations

import nh3

TAGS = {"p", "br", "h2", "h3", "b", "strong", "i", "em", "ol", "ul", "li", "a", "hr", "embed"}
ATTRIBUTES = {
    # Wagtail's database format: internal links and images are references, not URLs.
    "a": {"href", "linktype", "id"},
    "embed": {"embedtype", "id", "format", "alt"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_rich_text(html: str) -> str:
    if not html:
        return html
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
