"""What the routes return: pages, cursors, sessions with CSRF, and writes through services."""

import pytest
from django.test import Client
from django.urls import reverse

from rapport.api.pagination import MAX_PAGE_SIZE
from rapport.checkout.tests.factories import stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import login_customer, login_staff
from rapport.workspace.models import Note

pytestmark = pytest.mark.django_db


def test_products_are_paged_with_count_and_next_offset(people):
    for i in range(5):
        stocked_product(name=f"Mug {i}", price=f"{i + 1}.50")
    url = reverse("api-v1:products")

    first = Client().get(url, {"limit": 2, "sort": "price"}).json()
    last = Client().get(url, {"limit": 2, "offset": 4, "sort": "price"}).json()

    assert first["count"] == 5 and first["limit"] == 2 and first["next_offset"] == 2
    assert [p["price"] for p in first["items"]] == ["1.50", "2.50"]
    assert [p["name"] for p in last["items"]] == ["Mug 4"]
    assert last["next_offset"] is None


def test_page_size_is_capped(people):
    response = Client().get(reverse("api-v1:products"), {"limit": MAX_PAGE_SIZE + 1})
    assert response.status_code == 422
    assert Client().get(reverse("api-v1:products"), {"limit": MAX_PAGE_SIZE}).status_code == 200


def test_product_detail_and_search(people):
    product = stocked_product(name="Blue teapot", quantity=7)

    detail = Client().get(reverse("api-v1:product", args=[product.public_id])).json()
    found = Client().get(reverse("api-v1:search"), {"q": "teapot"}).json()

    assert detail["in_stock"] == 7 and detail["sku"] == product.sku
    assert [p["id"] for p in found["items"]] == [str(product.public_id)]


def test_messages_are_paged_by_cursor(people, clients, objects):
    room = objects["room"]
    client = clients["customer"]
    url = reverse("api-v1:conversation_post", args=[room.public_id])
    for text in ("two", "three"):
        assert client.post(url, {"body": text}, content_type="application/json").status_code == 201
    read = reverse("api-v1:conversation_messages", args=[room.public_id])

    page = client.get(read, {"limit": 2}).json()
    rest = client.get(read, {"after": page["next_after"]}).json()

    assert [m["body"] for m in page["items"]] == ["Hello", "two"]
    assert [m["body"] for m in rest["items"]] == ["three"] and rest["next_after"] is None


def test_staff_answer_in_a_customer_conversation_as_staff(people, clients, objects):
    room = objects["room"]
    url = reverse("api-v1:conversation_post", args=[room.public_id])

    message = clients["employee"].post(url, {"body": "On its way"}, content_type="application/json")

    assert message.status_code == 201 and message.json()["from_staff"] is True


def test_a_note_written_through_the_api_is_audited_on_the_timeline(people, clients, objects):
    customer = objects["customer"]
    response = clients["employee"].post(
        reverse("api-v1:notes_add"),
        {"body": "Prefers mornings", "customer": str(customer.public_id)},
        content_type="application/json",
    )

    assert response.status_code == 201
    note = Note.objects.get(public_id=response.json()["id"])
    assert note.customer == customer and note.author == people["employee"]
    timeline = clients["employee"].get(reverse("api-v1:timeline", args=[customer.public_id]))
    assert "note.added" in [e["action"] for e in timeline.json()["items"]]
    entries = AuditEntry.objects.filter(action="note.added", customer=customer)
    assert entries.filter(object_id=str(note.pk)).count() == 1


def test_a_note_to_someone_who_is_not_a_colleague_is_refused(people, clients, objects):
    before = Note.objects.count()
    response = clients["employee"].post(
        reverse("api-v1:notes_add"),
        {"body": "hi", "to": people["customer"].email},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert Note.objects.count() == before


def test_session_writes_need_the_csrf_token(people, objects):
    client = Client(enforce_csrf_checks=True)
    login_customer(client, people["customer"])
    url = reverse("api-v1:conversation_post", args=[objects["room"].public_id])

    refused = client.post(url, {"body": "hi"}, content_type="application/json")
    client.get(reverse("storefront:home"))  # the page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    allowed = client.post(
        url, {"body": "hi"}, content_type="application/json", headers={"x-csrftoken": csrf}
    )

    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/csrf")
    assert allowed.status_code == 201
    assert objects["room"].messages.count() == 2


def test_token_writes_need_no_csrf_token(people, objects):
    from rapport.accounts.services.api_tokens import create_token

    token = create_token(user=people["customer"], name="Bot", scopes=["messages:write"])
    client = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {token}"})
    url = reverse("api-v1:conversation_post", args=[objects["room"].public_id])

    assert client.post(url, {"body": "hi"}, content_type="application/json").status_code == 201


def test_me_says_who_and_how(people):
    client = Client()
    login_staff(client, people["manager"])

    me = client.get(reverse("api-v1:me")).json()

    assert me["role"] == "manager" and me["via"] == "session"
    assert "customers:read" in me["scopes"]


def test_schema_lists_every_route_and_the_problem_responses(people):
    schema = Client().get(reverse("api-v1:openapi-json")).json()

    assert {
        "/api/v1/orders",
        "/api/v1/catalog/products",
        "/api/v1/notes",
        "/api/v1/quotes",
        "/api/v1/draft-orders",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
    } <= set(schema["paths"])
    responses = schema["paths"]["/api/v1/orders"]["get"]["responses"]
    assert "application/problem+json" in responses["429"]["content"]
    assert {"TokenAuth", "BrowserSession"} <= set(schema["components"]["securitySchemes"])
