"""Wagtail admin hooks: the product chooser (pages feature products)."""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSet

from rapport.content.chooser import product_chooser_viewset


@hooks.register("register_admin_viewset")
def register_product_chooser() -> ViewSet:
    return product_chooser_viewset
