"""`PathPattern` gives what `reverse` gives, under a script prefix too."""

from __future__ import annotations

import uuid

from django.urls import reverse, set_script_prefix

from rapport.core.paths import PathPattern


def test_pattern_fills_in_what_reverse_would_give():
    pattern = PathPattern("storefront:product", public_id=uuid.UUID(int=0), slug="any-slug-x")
    public_id = uuid.uuid4()

    got = pattern(public_id=public_id, slug="red-cake-stand")

    assert got == reverse(
        "storefront:product", kwargs={"public_id": public_id, "slug": "red-cake-stand"}
    )


def test_pattern_follows_the_script_prefix():
    pattern = PathPattern("storefront:category", slug="any-category-x")
    plain = pattern(slug="lights")
    try:
        set_script_prefix("/shop/")
        prefixed = pattern(slug="lights")
        expected = reverse("storefront:category", kwargs={"slug": "lights"})
    finally:
        set_script_prefix("/")

    assert prefixed == expected == "/shop" + plain
    assert pattern(slug="lights") == plain
