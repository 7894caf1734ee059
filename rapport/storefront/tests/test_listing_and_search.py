"""Listing filters and sorting, search (ranking, typos, autocomplete), query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.tests.factories import CategoryFactory, ProductFactory
from rapport.checkout.tests.factories import stocked_product

pytestmark = pytest.mark.django_db


def names(response):
    return [p.name for p in response.context["page"]]


@pytest.fixture
def shelf():
    cat = CategoryFactory(slug="kitchen")
    stocked_product(quantity=0, name="B MUG", price="5.00", category=cat)
    stocked_product(quantity=3, name="A JUG", price="12.00", category=cat)
    ProductFactory(name="C BOWL", price=Decimal("8.00"), category=cat, popularity=40)
    return cat


def test_listing_sorts(client, shelf):
    url = reverse("storefront:category", kwargs={"slug": "kitchen"})
    assert names(client.get(url)) == ["A JUG", "B MUG", "C BOWL"]
    assert names(client.get(url, {"sort": "price"})) == ["B MUG", "C BOWL", "A JUG"]
    assert names(client.get(url, {"sort": "-price"})) == ["A JUG", "C BOWL", "B MUG"]
    assert names(client.get(url, {"sort": "popular"}))[0] == "C BOWL"
    assert names(client.get(url, {"sort": "newest"})) == ["C BOWL", "A JUG", "B MUG"]
    assert names(client.get(url, {"sort": "DROP TABLE"})) == ["A JUG", "B MUG", "C BOWL"]


def test_listing_filters(client, shelf):
    url = reverse("storefront:category", kwargs={"slug": "kitchen"})
    assert names(client.get(url, {"min": "6", "max": "12"})) == ["A JUG", "C BOWL"]
    assert names(client.get(url, {"in_stock": "1"})) == ["A JUG"]
    assert names(client.get(url, {"min": "abc", "max": "-1"})) == ["A JUG", "B MUG", "C BOWL"]


def test_listing_pagination_keeps_filters(client):
    cat = CategoryFactory(slug="many")
    ProductFactory.create_batch(30, category=cat)
    body = client.get(
        reverse("storefront:category", kwargs={"slug": "many"}), {"sort": "price"}
    ).content.decode()
    assert "?sort=price&amp;page=2" in body


def test_product_page_shows_stock_and_add_form(client):
    product = stocked_product(quantity=3, name="LANTERN")
    body = client.get(product.get_absolute_url()).content.decode()
    assert "3 in stock" in body
    assert f'name="product" value="{product.public_id}"' in body
    empty = stocked_product(quantity=0)
    assert "Out of stock" in client.get(empty.get_absolute_url()).content.decode()


def test_placeholder_image_shows_initials(client):
    product = stocked_product(name="white hanging heart")
    assert ">WH</text>" in client.get(product.get_absolute_url()).content.decode()


def test_uploaded_image_replaces_the_placeholder_with_the_name_escaped(client, settings):
    product = stocked_product(name='Mug "<Tea>" & co')
    product.image.name = "products/2026/12/mug.png"
    product.save()

    body = client.get(product.get_absolute_url()).content.decode()

    assert (
        f'<img class="product-image large" src="{settings.MEDIA_URL}products/2026/12/mug.png"'
        ' alt="Mug &quot;&lt;Tea&gt;&quot; &amp; co" loading="lazy">'
    ) in body
    assert '<svg class="product-image' not in body


def test_search_ranks_name_matches_and_tolerates_typos(client):
    ProductFactory(name="RED RETROSPOT CHRISTMAS BAG")
    ProductFactory(name="PLAIN MUG", description="a mug for christmas mornings")
    ProductFactory(name="GARDEN TROWEL")

    found = names(client.get(reverse("storefront:search"), {"q": "christmas"}))
    assert set(found) == {"RED RETROSPOT CHRISTMAS BAG", "PLAIN MUG"}

    typo = names(client.get(reverse("storefront:search"), {"q": "retrospt"}))
    assert typo == ["RED RETROSPOT CHRISTMAS BAG"]

    assert names(client.get(reverse("storefront:search"), {"q": "zzzz"})) == []
    assert names(client.get(reverse("storefront:search"), {"q": ""})) == []


def test_autocomplete_fragment(client):
    ProductFactory(name="JUMBO BAG RED")
    ProductFactory(name="JUMBO SHOPPER")
    ProductFactory(name="MINI BAG")

    body = client.get(
        reverse("storefront:search_suggest"), {"q": "jumbo"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "<html" not in body
    assert "JUMBO BAG RED" in body and "JUMBO SHOPPER" in body
    assert "MINI BAG" not in body


@pytest.mark.parametrize("n", [5, 25])
def test_listing_query_count_is_flat(client, django_assert_max_num_queries, n):
    cat = CategoryFactory(slug="flat")
    for _ in range(n):
        stocked_product(category=cat)
    with django_assert_max_num_queries(6):
        assert (
            client.get(
                reverse("storefront:category", kwargs={"slug": "flat"}), {"in_stock": "1"}
            ).status_code
            == 200
        )


def test_product_page_query_count(client, django_assert_max_num_queries):
    product = stocked_product(category=CategoryFactory(parent=CategoryFactory()))
    with django_assert_max_num_queries(1):
        assert client.get(product.get_absolute_url()).status_code == 200


def test_search_page_query_count(client, django_assert_max_num_queries):
    for i in range(20):
        ProductFactory(name=f"LANTERN {i}")
    with django_assert_max_num_queries(3):
        response = client.get(reverse("storefront:search"), {"q": "lantern"})
    assert len(names(response)) == 20


def test_cached_product_page_has_a_working_token_and_live_stock():
    import re

    from django.test import Client

    from rapport.cart.models import CartLine

    product = stocked_product(quantity=4, name="LANTERN")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(product.get_absolute_url())
    page = second.get(product.get_absolute_url()).content.decode()  # served from the cache
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    response = second.post(
        reverse("storefront:cart_add"),
        {"product": str(product.public_id), "quantity": "1", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert CartLine.objects.get().quantity == 1
    product.stock.quantity = 1
    product.stock.save()
    assert "1 in stock" in Client().get(product.get_absolute_url()).content.decode()


def test_search_puts_name_matches_first_and_completes_prefixes(client):
    ProductFactory(name="LANTERN HOLDER")
    ProductFactory(name="A PLAIN MUG", description="a mug that glows like a lantern")
    ProductFactory(name="GARDEN TROWEL")
    found = names(client.get(reverse("storefront:search"), {"q": "lantern"}))
    assert found == ["LANTERN HOLDER", "A PLAIN MUG"]  # name match first, on both databases
    assert set(names(client.get(reverse("storefront:search"), {"q": "lant"}))) == {
        "LANTERN HOLDER",
        "A PLAIN MUG",
    }


@pytest.fixture
def department():
    """A department with two subcategories; equal prices to exercise the tie-breaks."""
    dept = CategoryFactory(slug="dept", name="DEPT")
    left = CategoryFactory(parent=dept, slug="left")
    right = CategoryFactory(parent=dept, slug="right")
    for i in range(30):
        ProductFactory(
            name=f"ITEM {i % 7} {i:02d}",
            price=Decimal(f"{i % 5 + 1}.00"),
            category=left if i % 2 else right,
        )
    ProductFactory(name="HIDDEN", category=left, is_active=False)
    return dept


@pytest.mark.parametrize("sort", ["name", "price", "-price", "newest", "popular"])
def test_listing_pages_follow_the_full_order_in_every_sort(client, department, sort):
    from rapport.catalog.queries import filtered_products

    url = reverse("storefront:category", kwargs={"slug": "dept"})
    pages = [names(client.get(url, {"sort": sort, "page": n})) for n in (1, 2)]

    expected = [p.name for p in filtered_products(category=department, sort=sort)]
    assert [len(p) for p in pages] == [24, 6]
    assert pages[0] + pages[1] == expected


def test_listing_counts_the_department_without_counting_rows(
    client, department, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("storefront:category", kwargs={"slug": "dept"})
    assert "30 products" in client.get(url).content.decode()  # loads the category index

    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url, {"page": "2"}).content.decode()

    assert "30 products" in body and "Page 2 of 2" in body
    assert len(ctx.captured_queries) <= 3  # category, subcategories, the page
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


def test_filtered_listing_counts_exactly(client, department):
    url = reverse("storefront:category", kwargs={"slug": "dept"})
    body = client.get(url, {"min": "5", "max": "5"}).content.decode()
    assert "6 products" in body


def test_listing_count_follows_the_catalogue_version(client, department):
    from rapport.catalog.cache import bump_version

    url = reverse("storefront:category", kwargs={"slug": "dept"})
    client.get(url)
    ProductFactory(name="NEW", category=department)

    bump_version()  # what the catalogue's services do after a change

    assert "31 products" in client.get(url, {"sort": "price"}).content.decode()


def test_search_next_page_reuses_the_ranking(client, django_assert_max_num_queries):
    for i in range(30):
        ProductFactory(name=f"LANTERN {i:02d}")
    first = names(client.get(reverse("storefront:search"), {"q": "lantern"}))

    with django_assert_max_num_queries(1):
        second = names(client.get(reverse("storefront:search"), {"q": "lantern", "page": "2"}))

    assert first + second == [f"LANTERN {i:02d}" for i in range(30)]


def test_sold_out_product_page_sets_the_csrf_cookie_for_new_and_signed_in_visitors(make_user):
    from django.test import Client

    sold_out = stocked_product(quantity=0)
    signed_in = Client()
    signed_in.force_login(make_user("ann@example.com"))

    for client in (Client(), signed_in):
        response = client.get(sold_out.get_absolute_url())
        assert "Out of stock" in response.content.decode()
        assert response.cookies["csrftoken"].value


def test_signed_in_product_page_has_a_working_token(make_user):
    import re

    from django.test import Client

    from rapport.cart.models import CartLine

    product = stocked_product(quantity=4)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("ann@example.com"))
    page = client.get(product.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    response = client.post(
        reverse("storefront:cart_add"),
        {"product": str(product.public_id), "quantity": "2", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert CartLine.objects.get().quantity == 2


def test_cached_product_page_costs_one_query_and_follows_edits(django_assert_num_queries):
    from django.test import Client

    product = stocked_product(quantity=4, name="LANTERN", price="9.00")
    url = product.get_absolute_url()
    Client().get(url)  # renders and keeps the shared copy

    with django_assert_num_queries(1):
        page = Client().get(url).content.decode()
    assert "LANTERN" in page and "9.00" in page

    product.price = Decimal("7.50")
    product.save()
    assert "7.50" in Client().get(url).content.decode()

    renamed_url = reverse(
        "storefront:product", kwargs={"public_id": product.public_id, "slug": "old-name"}
    )
    assert Client().get(renamed_url)["Location"] == url

    product.is_active = False
    product.save()
    assert Client().get(url).status_code == 404
