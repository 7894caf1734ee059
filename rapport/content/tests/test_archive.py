"""Archive, not loss: archived pages and retired products leave listings but keep their URL;
product edits keep earlier versions; a placed order's lines never change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.models import ProductVersion
from rapport.catalog.services import CatalogError, restore_product, retire_product, update_product
from rapport.catalog.tests.factories import ProductFactory
from rapport.content import queries
from rapport.content.models import NewsPage
from rapport.content.services import ContentError, archive_page, restore_page
from rapport.content.tests.conftest import staff_client
from rapport.core.testing import FORBIDDEN, REDIRECT_HOME, Row, check_matrix, expect
from rapport.customers.models import Customer
from rapport.segments.models import NewsTopic
from rapport.segments.tests.helpers import order

pytestmark = pytest.mark.django_db


def publish_news(parent, title, topic=NewsTopic.OFFERS):
    page = NewsPage(title=title, slug=title.lower().replace(" ", "-"), topic=topic, body="<p>x</p>")
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_archived_news_is_unlisted_but_reachable_and_restorable(news_index, editor, clients):
    old = publish_news(news_index, "Old offer")
    publish_news(news_index, "New offer")
    archive_page(page=old, actor=editor)

    assert [p.title for p in queries.latest_news(NewsTopic.OFFERS)] == ["New offer"]
    listing = clients["anonymous"].get("/news/").content.decode()
    assert "New offer" in listing and "Old offer" not in listing
    shown = clients["anonymous"].get("/news/old-offer/")
    assert shown.status_code == 200 and "archived-notice" in shown.content.decode()
    with pytest.raises(ContentError):
        archive_page(page=old, actor=editor)

    # Staff find it in the archive; an editor restores it.
    client = staff_client(editor)
    found = client.get(reverse("portal:content_archive"), {"q": "old"}).content.decode()
    assert "Old offer" in found and "New offer" not in found
    client.post(reverse("portal:content_archive_toggle", args=(old.pk,)))
    old.refresh_from_db()
    assert old.archived_at is None
    assert "Old offer" in clients["anonymous"].get("/news/").content.decode()
    with pytest.raises(ContentError):
        restore_page(page=old, actor=editor)


def test_archived_page_with_successor_redirects_permanently(news_index, editor, clients):
    old = publish_news(news_index, "Summer sale")
    new = publish_news(news_index, "Autumn sale")
    old.successor = new
    old.save_revision().publish()
    archive_page(page=old, actor=editor)
    response = clients["anonymous"].get("/news/summer-sale/")
    assert response.status_code == 301 and response["Location"] == "/news/autumn-sale/"


def test_product_edits_keep_versions_and_never_change_placed_orders(people):
    ann = Customer.objects.get(user=people["customer"])
    product = ProductFactory(name="Blue jug", description="Glazed", price=Decimal("12.50"))
    placed = order(ann, "12.50", product=product)
    line = placed.lines.get()

    update_product(
        product=product, actor=people["manager"], name="Navy jug", price=Decimal("15.00")
    )
    update_product(product=product, actor=people["manager"], description="Hand glazed")

    versions = list(ProductVersion.objects.filter(product=product).order_by("number"))
    assert [(v.number, v.name, v.price, v.description) for v in versions] == [
        (1, "Blue jug", Decimal("12.50"), "Glazed"),
        (2, "Navy jug", Decimal("15.00"), "Glazed"),
    ]
    line.refresh_from_db()
    assert (line.name, line.unit_price) == ("Blue jug", Decimal("12.50"))
    with pytest.raises(CatalogError):
        update_product(product=product, actor=people["manager"], sku="NEW")
    with pytest.raises(CatalogError):
        update_product(product=product, actor=people["manager"], price=Decimal("-1"))
    assert ProductVersion.objects.filter(product=product).count() == 2


def test_retired_product_keeps_its_page_and_can_come_back(people, clients):
    product = ProductFactory(name="Old lamp", price=Decimal("20.00"))
    url = product.get_absolute_url()
    retire_product(product=product, actor=people["manager"])

    shown = clients["anonymous"].get(url)
    assert shown.status_code == 200 and "archived-notice" in shown.content.decode()
    assert "Old lamp" not in clients["anonymous"].get("/search/", {"q": "lamp"}).content.decode()

    successor = ProductFactory(name="New lamp", price=Decimal("25.00"))
    retire_product(product=product, actor=people["manager"], successor=successor)
    moved = clients["anonymous"].get(url)
    assert moved.status_code == 301 and moved["Location"] == successor.get_absolute_url()

    restore_product(product=product, actor=people["manager"])
    back = clients["anonymous"].get(url)
    assert back.status_code == 200 and "archived-notice" not in back.content.decode()


def test_admin_product_edit_goes_through_the_versioned_save(make_user, rf):
    from django.contrib import admin
    from django.forms.models import model_to_dict

    from rapport.catalog.models import Product

    superuser = make_user("root@staff.example.com", is_superuser=True, is_staff=True)
    product = ProductFactory(name="Teapot", price=Decimal("9.00"))
    model_admin = admin.site._registry[Product]
    request = rf.post("/")
    request.user = superuser
    form_class = model_admin.get_form(request, product, change=True)
    data = {k: v for k, v in model_to_dict(product).items() if v is not None and k != "image"}
    form = form_class(data={**data, "name": "Big teapot"}, instance=product)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)

    product.refresh_from_db()
    assert product.name == "Big teapot"
    assert ProductVersion.objects.get(product=product).name == "Teapot"


def test_permission_matrix(home, news_index, people, clients):
    page = publish_news(news_index, "Matrix news")
    rows = [
        Row(
            "portal:content_archive",
            reverse("portal:content_archive"),
            expect(non_staff=REDIRECT_HOME, staff=200),
        ),
        Row(
            "portal:content_archive_toggle",
            reverse("portal:content_archive_toggle", args=(page.pk,)),
            expect(non_staff=REDIRECT_HOME, staff=FORBIDDEN),
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    page.refresh_from_db()
    assert page.archived_at is None
