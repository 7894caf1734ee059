"""Personal API tokens: made once, kept hashed, scoped, revocable, never above their user."""

import hashlib

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from rapport.accounts.errors import AccountError
from rapport.accounts.models import ApiToken
from rapport.accounts.services.api_tokens import create_token, revoke_token
from rapport.api.tests.conftest import bearer
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_created_token_is_stored_only_as_its_sha256_digest(people):
    token = create_token(user=people["customer"], name="Sheet", scopes=["orders:read"])

    row = ApiToken.objects.get(user=people["customer"])
    assert token.startswith(f"rpt_{row.prefix}_")
    assert len(token) > 40
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    secret = token.split("_", 2)[2]  # the secret may itself contain "_" (URL-safe base64)
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert not any(token in value or secret in value for value in stored)


def test_token_creation_and_revocation_are_on_the_customers_timeline(people):
    token = create_token(user=people["customer"], name="Sheet", scopes=["orders:read"])
    row = ApiToken.objects.get(user=people["customer"])
    revoke_token(token=row, actor=people["customer"])
    revoke_token(token=row, actor=people["customer"])  # twice: audited once

    customer = Customer.objects.get(user=people["customer"])
    actions = list(
        AuditEntry.objects.filter(customer=customer, action__startswith="api_token.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["api_token.created", "api_token.revoked"]
    assert not AuditEntry.objects.filter(summary__contains=token).exists()


def test_token_works_until_revoked_then_is_refused_at_once(people):
    token = create_token(user=people["customer"], name="Sheet", scopes=["orders:read"])
    client = bearer(token)
    assert client.get(reverse("api-v1:orders")).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None

    revoke_token(token=ApiToken.objects.get(), actor=people["customer"])

    response = client.get(reverse("api-v1:orders"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_with_a_real_prefix_is_refused(people):
    token = create_token(user=people["customer"], name="Sheet", scopes=["orders:read"])
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    assert bearer(forged).get(reverse("api-v1:me")).status_code == 401
    assert bearer("rpt_nothing").get(reverse("api-v1:me")).status_code == 401


def test_an_invalid_token_on_a_public_route_is_refused_not_treated_as_anonymous(people):
    assert bearer("rpt_12345678_nope").get(reverse("api-v1:products")).status_code == 401


def test_a_customer_cannot_give_a_token_staff_scopes(people):
    with pytest.raises(AccountError):
        create_token(user=people["customer"], name="x", scopes=["customers:read"])
    with pytest.raises(AccountError):
        create_token(user=people["customer"], name="x", scopes=[])
    with pytest.raises(AccountError):
        create_token(user=people["customer"], name=" ", scopes=["orders:read"])
    assert not ApiToken.objects.exists()


def test_scope_missing_from_the_token_is_refused_with_a_scope_problem(people, objects):
    token = create_token(user=people["employee"], name="Orders only", scopes=["orders:read"])
    client = bearer(token)

    assert client.get(reverse("api-v1:orders")).status_code == 200
    response = client.get(reverse("api-v1:customers"))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/scope")
    assert "customers:read" in response.json()["detail"]
    posted = client.post(
        reverse("api-v1:notes_add"),
        {"body": "hi", "order": str(objects["order"].public_id)},
        content_type="application/json",
    )
    assert posted.status_code == 403


def test_read_scope_does_not_allow_writing_messages(people, objects):
    token = create_token(user=people["customer"], name="Reader", scopes=["messages:read"])
    room = objects["room"]
    url = reverse("api-v1:conversation_post", args=[room.public_id])

    response = bearer(token).post(url, {"body": "hi"}, content_type="application/json")

    assert response.status_code == 403
    assert room.messages.count() == 1


def test_a_staff_token_loses_staff_rights_with_the_role(people):
    employee = people["employee"]
    token = create_token(user=employee, name="CRM sync", scopes=["customers:read"])
    assert bearer(token).get(reverse("api-v1:customers")).status_code == 200

    employee.groups.remove(Group.objects.get(name="Employee"))

    response = bearer(token).get(reverse("api-v1:customers"))
    assert response.status_code == 403


def test_a_deactivated_users_token_is_refused(people):
    token = create_token(user=people["customer"], name="Sheet", scopes=["orders:read"])
    people["customer"].is_active = False
    people["customer"].save(update_fields=["is_active"])

    assert bearer(token).get(reverse("api-v1:orders")).status_code == 401


def test_a_customer_token_sees_only_its_users_orders(people, objects):
    token = create_token(user=people["customer"], name="Sheet", scopes=["orders:read"])
    client = bearer(token)

    listed = client.get(reverse("api-v1:orders")).json()
    other = client.get(reverse("api-v1:order", args=[objects["other_order"].public_id]))

    assert [o["id"] for o in listed["items"]] == [str(objects["order"].public_id)]
    assert other.status_code == 404
    assert other.json()["type"].endswith("/not-found")


def test_token_page_shows_the_token_once_and_lists_it_without_the_secret(people, clients):
    client = clients["customer"]
    url = reverse("storefront:api_tokens")

    created = client.post(url, {"name": "Spreadsheet", "scopes": ["orders:read"]})

    assert created.status_code == 200
    token = created.context["created"]
    assert token.startswith("rpt_") and token in created.content.decode()
    assert created["Cache-Control"].startswith("max-age=0")
    later = client.get(url).content.decode()
    assert "Spreadsheet" in later and token not in later
    assert bearer(token).get(reverse("api-v1:me")).json()["scopes"] == ["orders:read"]


def test_token_page_refuses_a_scope_the_customer_does_not_have(people, clients):
    response = clients["customer"].post(
        reverse("storefront:api_tokens"), {"name": "x", "scopes": ["notes:write"]}
    )

    assert response.status_code == 200
    assert response.context["created"] is None
    assert not ApiToken.objects.exists()


def test_token_pages_speak_chinese(people, clients):
    client = clients["employee"]
    response = client.get(reverse("portal:api_tokens"), headers={"accept-language": "zh-hans"})

    assert "API 令牌" in response.content.decode()
