"""`{% product_image product %}` (`large=True` on the product page): the product's photo, or
until staff upload one, a tile with its category's drawn icon (`catalog.icons`; the initials
when there is no icon to draw).

Built with `format_html` rather than an included template: it is on every product page and in
every product card, and an `{% include %}` cost about a tenth of the product page's rendering.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from rapport.catalog.icons import icon_drawing, icon_name
from rapport.catalog.models import Category, Product

register = template.Library()

PHOTO = '<img class="product-image{size}" src="{url}" alt="{name}" loading="lazy">'
PLACEHOLDER = (
    '<svg class="product-image{size}" viewBox="0 0 120 90" role="img" aria-label="{name}">'
    '<rect width="120" height="90" rx="8" fill="#d9efe6"/>'
    '<text x="60" y="56" text-anchor="middle" font-size="30" font-weight="700" fill="#0b6e4f"'
    ' font-family="sans-serif">{initials}</text></svg>'
)


ICON_TILE = (
    '<svg class="product-image icon-tile{size}" viewBox="0 0 120 90" role="img"'
    ' aria-label="{name}"><rect width="120" height="90" rx="8" fill="#e6f2ec"/>'
    '<g transform="translate(39 24) scale(1.75)" fill="none" stroke="#0b6e4f" stroke-width="1.5"'
    ' stroke-linecap="round" stroke-linejoin="round">{drawing}</g></svg>'
)


@register.simple_tag
def product_image(
    product: Product, large: bool = False, category: Category | None = None
) -> SafeString:
    size = " large" if large else ""
    if product.image:
        return format_html(PHOTO, size=size, url=product.image.url, name=product.name)
    if category is None and Product.category.is_cached(product):
        category = product.category  # joined by the listing; never a query of its own here
    drawing = icon_drawing(icon_name(category.external_key if category else ""))
    if drawing:
        # The drawing is Lucide's SVG from the installed package: trusted markup, not input.
        return format_html(ICON_TILE, size=size, name=product.name, drawing=mark_safe(drawing))  # noqa: S308
    return format_html(PLACEHOLDER, size=size, name=product.name, initials=product.initials)
