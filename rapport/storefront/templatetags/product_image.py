"""`{% product_image product %}` (`large=True` on the product page): the product's photo, or
until staff upload one, a generated placeholder with its initials.

Built with `format_html` rather than an included template: it is on every product page and in
every product card, and an `{% include %}` cost about a tenth of the product page's rendering.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from rapport.catalog.models import Product

register = template.Library()

PHOTO = '<img class="product-image{size}" src="{url}" alt="{name}" loading="lazy">'
PLACEHOLDER = (
    '<svg class="product-image{size}" viewBox="0 0 120 90" role="img" aria-label="{name}">'
    '<rect width="120" height="90" rx="8" fill="#d9efe6"/>'
    '<text x="60" y="56" text-anchor="middle" font-size="30" font-weight="700" fill="#0b6e4f"'
    ' font-family="sans-serif">{initials}</text></svg>'
)


@register.simple_tag
def product_image(product: Product, large: bool = False) -> SafeString:
    size = " large" if large else ""
    if product.image:
        return format_html(PHOTO, size=size, url=product.image.url, name=product.name)
    return format_html(PLACEHOLDER, size=size, name=product.name, initials=product.initials)
