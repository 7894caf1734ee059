"""Every error is an RFC 9457 problem: type, title, status, detail (and field errors)."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from rapport.accounts.services.api_tokens import create_token
from rapport.api.tests.conftest import bearer

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    return body


def test_validation_errors_name_each_field(people):
    response = Client().get(reverse("api-v1:products") + "?limit=0&offset=-1&sort=cheap")

    body = assert_problem(response, 422)
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"query.limit", "query.offset", "query.sort"}


def test_a_malformed_id_in_the_path_is_a_validation_problem(people):
    body = assert_problem(Client().get("/api/v1/catalog/products/not-a-uuid"), 422)
    assert body["errors"][0]["field"] == "path.product_id"


def test_a_body_that_is_not_json_is_a_bad_request(people, clients, objects):
    url = reverse("api-v1:conversation_post", args=[objects["room"].public_id])
    response = clients["customer"].post(url, "{not json", content_type="application/json")

    assert_problem(response, 400)


def test_a_missing_body_field_is_a_validation_problem(people, clients, objects):
    url = reverse("api-v1:conversation_post", args=[objects["room"].public_id])
    body = assert_problem(clients["customer"].post(url, {}, content_type="application/json"), 422)
    assert body["errors"][0]["field"] == "body.payload.body"


def test_no_credentials_is_401_with_a_bearer_challenge(people):
    response = Client().get(reverse("api-v1:orders"))

    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api", Device realm="api"'


def test_staff_route_for_a_customer_is_403(people, clients):
    body = assert_problem(clients["customer"].get(reverse("api-v1:customers")), 403)
    assert body["type"].endswith("/forbidden")


def test_another_customers_objects_are_404_not_403(people, clients, objects):
    client = clients["customer"]
    assert_problem(
        client.get(reverse("api-v1:order", args=[objects["other_order"].public_id])), 404
    )
    assert_problem(
        client.get(reverse("api-v1:conversation", args=[objects["other_room"].public_id])), 404
    )


def test_a_staff_session_without_its_second_factor_is_not_signed_in(people):
    from rapport.core.testing import login_staff_without_second_factor

    client = Client()
    login_staff_without_second_factor(client, people["employee"])

    assert_problem(client.get(reverse("api-v1:customers")), 401)


def test_unknown_route_and_wrong_method_are_problems(people):
    assert_problem(Client().get("/api/v1/nothing/here"), 404)
    response = Client().delete(reverse("api-v1:products"))
    assert_problem(response, 405)
    assert response["Allow"] == "GET"


def test_a_closed_conversation_refuses_new_messages_with_409(people, clients, objects):
    room = objects["room"]
    room.status = "closed"
    room.save(update_fields=["status"])
    url = reverse("api-v1:conversation_post", args=[room.public_id])

    response = clients["customer"].post(url, {"body": "hi"}, content_type="application/json")

    assert_problem(response, 409)
    assert room.messages.count() == 1


@override_settings(RAPPORT_API_RATE_TOKEN=3)
def test_rate_limit_per_token_is_429_with_retry_after(people):
    token = create_token(user=people["customer"], name="Busy", scopes=["orders:read"])
    other = create_token(user=people["customer"], name="Calm", scopes=["orders:read"])
    client = bearer(token)
    codes = [client.get(reverse("api-v1:orders")).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    response = client.get(reverse("api-v1:orders"))
    body = assert_problem(response, 429)
    assert body["type"].endswith("/rate-limited")
    assert 1 <= int(response["Retry-After"]) <= 61
    assert bearer(other).get(reverse("api-v1:orders")).status_code == 200  # per token


@override_settings(RAPPORT_API_RATE_ANONYMOUS=2)
def test_rate_limit_per_address_for_anonymous_callers(people):
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get(reverse("api-v1:categories")).status_code for _ in range(3)]
    elsewhere = Client(REMOTE_ADDR="203.0.113.10").get(reverse("api-v1:categories"))

    assert codes == [200, 200, 429]
    assert elsewhere.status_code == 200


@override_settings(RAPPORT_API_RATE_USER=1)
def test_rate_limit_per_user_for_browser_sessions(people, clients):
    client = clients["customer"]
    assert client.get(reverse("api-v1:me")).status_code == 200
    assert_problem(client.get(reverse("api-v1:me")), 429)


def test_text_with_a_nul_character_is_a_field_error_not_a_server_error(people, clients, objects):
    # Found while fuzzing: PostgreSQL cannot take a NUL, the driver raised, the API answered 500.
    staff = clients["employee"]
    room_post = reverse("api-v1:conversation_post", args=[objects["room"].public_id])
    answers = [
        Client().get(reverse("api-v1:products"), {"category": "a\x00b"}),
        staff.get(reverse("api-v1:customers"), {"q": "\x00"}),
        staff.post(reverse("api-v1:notes_add"), {"body": "a\x00"}, content_type="application/json"),
        staff.post(room_post, {"body": "a\x00"}, content_type="application/json"),
    ]

    assert [r.status_code for r in answers] == [422, 422, 422, 422]
    assert objects["room"].messages.count() == 1


def test_a_follow_up_time_far_out_of_range_is_a_field_error(people, clients, objects):
    # Found while fuzzing: year 1 at +14:00 overflowed when turned into UTC.
    from rapport.workspace.models import Note

    before = Note.objects.count()
    for due in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2027-01-01T09:00"):
        response = clients["employee"].post(
            reverse("api-v1:notes_add"),
            {"body": "Call", "customer": str(objects["customer"].public_id), "due_at": due},
            content_type="application/json",
        )
        body = assert_problem(response, 422)
        assert body["errors"][0]["field"] == "body.payload.due_at"
    assert Note.objects.count() == before


def test_customer_routes_tell_a_customer_nothing_about_which_records_exist(
    people, clients, objects
):
    client = clients["customer"]
    own, other = objects["customer"].public_id, objects["other_customer"].public_id
    missing = "00000000-0000-4000-8000-000000000000"

    answers = [client.get(reverse("api-v1:customer", args=[x])) for x in (own, other, missing)]

    assert [r.status_code for r in answers] == [403, 403, 403]
    ids = (own, other, missing)
    bodies = {r.content.replace(str(x).encode(), b"") for r, x in zip(answers, ids, strict=True)}
    assert len(bodies) == 1
    staff = clients["employee"]
    assert staff.get(reverse("api-v1:customer", args=[other])).status_code == 200
    assert_problem(staff.get(reverse("api-v1:customer", args=[missing])), 404)
    assert_problem(staff.get(reverse("api-v1:timeline", args=[missing])), 404)
