"""Permission matrix of every API route (by session and by token) and of the token pages."""

import uuid
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
from rapport.drafts.services import DraftLineInput, save_draft
from rapport.quotes.services import create_quote, send_quote
from rapport.quotes.tests.factories import customer_of, in_days
from rapport.quotes.tests.factories import line as quote_line

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


def offline_objects(people: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
    """Quotes and drafts in the states the issue-20 rows need (each row its own object)."""
    ann = customer_of(people["customer"])
    emma = people["employee"]
    product = o["product"]

    def quote(send: bool = True) -> Any:
        made = create_quote(
            customer=ann,
            actor=emma,
            lines=[quote_line(product, 1, "9.00")],
            valid_until=in_days(5),
        )
        return send_quote(quote=made, actor=emma) if send else made

    def draft() -> Any:
        return save_draft(actor=emma, customer=ann, lines=[DraftLineInput(product, 1)])

    return {
        "quotes": [quote(), quote(), quote(), quote(send=False), quote()],
        "drafts": [draft(), draft(), draft(), draft()],
    }


def offline_rows(o: dict[str, Any], x: dict[str, Any]) -> list[Row]:
    q = [quote.public_id for quote in x["quotes"]]
    d = [draft.public_id for draft in x["drafts"]]
    product, customer = str(o["product"].public_id), str(o["customer"].public_id)
    lines = [{"product": product, "quantity": 1, "unit_price": "8.00"}]
    own_write = {"anonymous": UNAUTHORIZED, "customer": ALLOW, "other_customer": NOT_FOUND}
    staff_write = {"anonymous": UNAUTHORIZED, "customers": FORBIDDEN}

    def post(name: str, url: str, expected: dict[str, Any], data: Any = None) -> Row:
        return Row(name, url, expect(**expected), method="post", data=data, content_type=JSON)

    return [
        Row("api-v1:quotes", api("quotes"), expect(**SIGNED_IN)),
        Row("api-v1:quote", api("quote", q[0]), expect(**OWN_OBJECT, staff=ALLOW)),
        post(
            "api-v1:quotes_add",
            api("quotes_add"),
            {**staff_write, "staff": CREATED},
            {"customer": customer, "lines": lines, "valid_until": str(in_days(3))},
        ),
        # The customer answers version 1 first; staff then answer a stale version: 409.
        post(
            "api-v1:quote_counter",
            api("quote_counter", q[0]),
            {**own_write, "staff": CONFLICT},
            {"answering": 1, "lines": lines},
        ),
        # Staff cannot accept their own version (and it is accepted by then anyway).
        post(
            "api-v1:quote_accept",
            api("quote_accept", q[1]),
            {**own_write, "staff": CONFLICT},
            {"answering": 1},
        ),
        post(
            "api-v1:quote_decline", api("quote_decline", q[2]), {**own_write, "staff": CONFLICT}, {}
        ),
        post(
            "api-v1:quote_send",
            api("quote_send", q[3]),
            {**staff_write, "employee": ALLOW, "manager": CONFLICT},
        ),
        post(
            "api-v1:quote_withdraw",
            api("quote_withdraw", q[4]),
            {**staff_write, "employee": ALLOW, "manager": CONFLICT},
        ),
        Row("api-v1:draft_orders", api("draft_orders"), expect(**SIGNED_IN)),
        Row("api-v1:draft_order", api("draft_order", d[0]), expect(**OWN_OBJECT, staff=ALLOW)),
        post(
            "api-v1:draft_orders_add",
            api("draft_orders_add"),
            {
                "anonymous": UNAUTHORIZED,
                "customer": CREATED,
                "other_customer": NOT_FOUND,
                "staff": CREATED,
            },
            {"customer": customer, "lines": [{"product": product, "quantity": 2}]},
        ),
        Row(
            # The customer edits version 1 first; staff then edit a stale version: 409.
            "api-v1:draft_order_update",
            api("draft_order_update", d[1]),
            expect(**own_write, staff=CONFLICT),
            method="put",
            data={"base_version": 1, "lines": [{"product": product, "quantity": 3}]},
            content_type=JSON,
        ),
        # Placing the same version again returns the same order.
        post(
            "api-v1:draft_order_place",
            api("draft_order_place", d[2]),
            {**own_write, "customer": CREATED, "staff": CREATED},
            {"base_version": 1},
        ),
        post(
            "api-v1:draft_order_discard",
            api("draft_order_discard", d[3]),
            {**own_write, "staff": ALLOW},
            {"base_version": 1},
        ),
        post(
            "api-v1:sync_push",
            api("sync_push"),
            {"anonymous": UNAUTHORIZED, "signed_in": ALLOW},
            {"operations": [{"id": str(uuid.uuid4()), "kind": "nothing", "payload": {}}]},
        ),
        Row("api-v1:sync_pull", api("sync_pull"), expect(**SIGNED_IN)),
    ]


def test_api_matrix_with_browser_sessions(people, clients, objects):
    rows = api_rows(objects) + offline_rows(objects, offline_objects(people, objects))
    assert check_matrix(rows, clients, objects) == []


def test_api_matrix_with_tokens(people, token_clients, objects):
    rows = api_rows(objects) + offline_rows(objects, offline_objects(people, objects))
    assert check_matrix(rows, token_clients, objects) == []


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
