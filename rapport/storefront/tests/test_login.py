import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_customer_logs_in_with_email_and_password(client, make_user, password):
    make_user("ann@example.com")

    response = client.post(
        reverse("storefront:login"), {"username": "ann@example.com", "password": password}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_wrong_password_is_refused_without_saying_why(client, make_user):
    make_user("ann@example.com")

    response = client.post(
        reverse("storefront:login"), {"username": "ann@example.com", "password": "wrong"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
