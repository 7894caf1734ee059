"""Permission matrix of every API route (by session and by token) and of the token pages."""

from typing import Any

import pytest
from django.urls import reverse

from rapport.accounts.services.api_tokens import create_token
from rapport.api.tests.conftest import bearer
from rapport.core.testing import (
    ALLOW,
    CUSTOMER_ONLY,
    FORBIDDEN,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)

pytestmark = pytest.mark.django_db

UNAUTHORIZED = 401
CREATED = 201
CONFLICT = 409
JSON = "application/json"
SIGNED_IN = {"anonymous": UNAUTHORIZED, "customers": ALLOW, "staff": ALLOW}
STAFF_ROUTE = {"anonymous": UNAUTHORIZED, "customers": FORBIDDEN, "staff": ALLOW}
OWN_OBJECT = {"anonymous": UNAUTHORIZED, "customer": ALLOW, "other_customer": NOT_FOUND}


def api(name: str, *args: Any) -> str:
    return reverse(f"api-v1:{name}", args=args)


def api_rows(o: dict[str, Any]) -> list[Row]:
    order, room, note = o["order"].public_id, o["room"].public_id, o["note"].public_id
    customer = o["customer"].public_id
    return [
        Row("api-v1:api-root", api("api-root"), expect(everyone=NOT_FOUND)),
        Row("api-v1:openapi-json", api("openapi-json"), expect(everyone=ALLOW)),
        Row("api-v1:openapi-view", api("openapi-view"), expect(everyone=ALLOW)),
        Row("api-v1:me", api("me"), expect(**SIGNED_IN)),
        Row("api-v1:categories", api("categories"), expect(everyone=ALLOW)),
        Row("api-v1:products", api("products"), expect(everyone=ALLOW)),
        Row("api-v1:product", api("product", o["product"].public_id), expect(everyone=ALLOW)),
        Row("api-v1:search", api("search") + "?q=teapot", expect(everyone=ALLOW)),
        Row("api-v1:customers", api("customers"), expect(**STAFF_ROUTE)),
        Row("api-v1:customer", api("customer", customer), expect(**STAFF_ROUTE)),
        Row("api-v1:timeline", api("timeline", customer), expect(**STAFF_ROUTE)),
        Row("api-v1:orders", api("orders"), expect(**SIGNED_IN)),
        Row("api-v1:order", api("order", order), expect(**OWN_OBJECT, staff=ALLOW)),
        Row("api-v1:notes", api("notes") + f"?order={order}", expect(**STAFF_ROUTE)),
        Row(
            "api-v1:notes_add",
            api("notes_add"),
            expect(anonymous=UNAUTHORIZED, customers=FORBIDDEN, staff=CREATED),
            method="post",
            data={"body": "Checked the parcel", "order": str(order)},
            content_type=JSON,
        ),
        Row("api-v1:note", api("note", note), expect(**STAFF_ROUTE)),
        Row(
            # The employee wrote the note to nobody: theirs to close; the manager's is refused.
            "api-v1:note_done",
            api("note_done", note),
            expect(anonymous=UNAUTHORIZED, customers=FORBIDDEN, employee=ALLOW, manager=CONFLICT),
            method="post",
            content_type=JSON,
        ),
        Row("api-v1:conversations", api("conversations"), expect(**SIGNED_IN)),
        Row("api-v1:conversation", api("conversation", room), expect(**OWN_OBJECT, staff=ALLOW)),
        Row(
            "api-v1:conversation_messages",
            api("conversation_messages", room),
            expect(**OWN_OBJECT, staff=ALLOW),
        ),
        Row(
            "api-v1:conversation_post",
            api("conversation_post", room),
            expect(
                anonymous=UNAUTHORIZED, customer=CREATED, other_customer=NOT_FOUND, staff=CREATED
            ),
            method="post",
            data={"body": "Any news?"},
            content_type=JSON,
        ),
        # Device routes (test_device_matrix.py calls them from enrolled devices): a token or a
        # browser session gets nothing there; enrolment answers only to a good code.
        Row(
            "api-v1:device_enrol",
            api("device_enrol"),
            expect(everyone=FORBIDDEN),
            method="post",
            data={"code": "NOPE", "csr": "-", "name": "x"},
            content_type=JSON,
        ),
        Row(
            "api-v1:device_session",
            api("device_session"),
            expect(everyone=UNAUTHORIZED),
            method="post",
            data={"username": "ann@example.com", "password": "x"},
            content_type=JSON,
        ),
        Row(
            "api-v1:device_renew",
            api("device_renew"),
            expect(everyone=UNAUTHORIZED),
            method="post",
            data={"csr": "-"},
            content_type=JSON,
        ),
        Row(
            "api-v1:device_usage",
            api("device_usage"),
            expect(everyone=UNAUTHORIZED),
            method="post",
            data={"entries": []},
            content_type=JSON,
        ),
    ]


def test_api_matrix_with_browser_sessions(people, clients, objects):
    assert check_matrix(api_rows(objects), clients, objects) == []


def test_api_matrix_with_tokens(people, token_clients, objects):
    assert check_matrix(api_rows(objects), token_clients, objects) == []


def test_token_pages_matrix(people, clients):
    customer_token = create_token(user=people["customer"], name="n", scopes=["orders:read"])
    staff_token = create_token(user=people["employee"], name="n", scopes=["notes:read"])
    mine = people["customer"].personal_api_tokens.get().public_id
    staff_own = people["employee"].personal_api_tokens.get().public_id
    store_list = reverse("storefront:api_tokens")
    portal_list = reverse("portal:api_tokens")
    rows = [
        Row("storefront:api_tokens", store_list, expect(**CUSTOMER_ONLY)),
        Row(
            "storefront:api_token_revoke",
            reverse("storefront:api_token_revoke", args=[mine]),
            expect(
                anonymous=REDIRECT_LOGIN,
                customer=redirect_to(store_list),
                other_customer=NOT_FOUND,
                staff=REDIRECT_HOME,
            ),
            method="post",
        ),
        Row("portal:api_tokens", portal_list, expect(**STAFF_ONLY)),
        Row(
            "portal:api_token_revoke",
            reverse("portal:api_token_revoke", args=[staff_own]),
            expect(non_staff=REDIRECT_HOME, employee=redirect_to(portal_list), manager=NOT_FOUND),
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    # Each token was revoked by its owner only, so neither works any more.
    assert bearer(customer_token).get(api("me")).status_code == UNAUTHORIZED
    assert bearer(staff_token).get(api("me")).status_code == UNAUTHORIZED
