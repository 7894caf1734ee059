"""A customer browses the store in a real browser (Chromium via Playwright)."""

import pytest

from rapport.catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_opens_home_then_a_product(page, artifacts_dir):
    gifts = CategoryFactory(name="Home & Living", slug="home-living")
    lights = CategoryFactory(name="Candles & Lights", slug="candles-lights", parent=gifts)
    ProductFactory(name="WHITE HANGING HEART T-LIGHT HOLDER", sku="85123A", category=lights)

    page.goto("/")
    page.screenshot(path=str(artifacts_dir / "home.png"), full_page=True)
    page.get_by_role("link", name="Candles & Lights").first.click()
    page.get_by_role("link", name="WHITE HANGING HEART T-LIGHT HOLDER").click()

    # Shown in title case; the stored (invoice) name stays as imported.
    assert page.get_by_role("heading", level=1).inner_text() == "White Hanging Heart T-Light Holder"
    assert page.locator(".invoice-name").inner_text() == "WHITE HANGING HEART T-LIGHT HOLDER"
    assert "85123A" in page.content()
    page.screenshot(path=str(artifacts_dir / "product.png"), full_page=True)
