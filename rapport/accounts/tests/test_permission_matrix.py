"""Every URL that exists by the five actors (anonymous, customer, other customer, employee,
manager). Later issues add their rows to their own matrix tests with the same helpers."""

import pytest
from django.urls import reverse

from rapport.catalog.tests.factories import ProductFactory
from rapport.core.testing import (
    ALLOW,
    CUSTOMER_ONLY,
    MANAGER_ONLY,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(people, make_user):
    from rapport.accounts.roles import EMPLOYEE

    product = ProductFactory()
    return {
        "product": product,
        "category": product.category,
        "customer": Customer.objects.get(user=people["customer"]),
        # Mutating staff rows act on a bystander, so no actor's own session changes.
        "target": make_user("tom@staff.example.com", role=EMPLOYEE),
    }


def r(name, *args):
    return reverse(name, args=args)


def storefront_rows():
    return [
        Row("home", r("storefront:home"), expect(everyone=ALLOW)),
        Row(
            "category",
            lambda o: r("storefront:category", o["category"].slug),
            expect(everyone=ALLOW),
        ),
        Row(
            "product",
            lambda o: reverse(
                "storefront:product",
                kwargs={"public_id": o["product"].public_id, "slug": o["product"].slug},
            ),
            expect(everyone=ALLOW),
        ),
        Row(
            "product_short",
            lambda o: r("storefront:product_short", o["product"].public_id),
            expect(everyone=redirect_to("PRODUCT")),
        ),
        Row("robots", r("storefront:robots"), expect(everyone=ALLOW)),
    ]


def auth_rows():
    security = r("storefront:security")
    return [
        Row("login", r("storefront:login"), expect(everyone=ALLOW)),
        Row("login_verify", r("storefront:login_verify"), expect(everyone=REDIRECT_LOGIN)),
        Row("register", r("storefront:register"), expect(everyone=REDIRECT_HOME, anonymous=ALLOW)),
        Row("verify_sent", r("storefront:verify_sent"), expect(everyone=ALLOW)),
        Row(
            "verify_resend",
            r("storefront:verify_resend"),
            expect(**(CUSTOMER_ONLY | {"customers": redirect_to(r("storefront:verify_sent"))})),
            method="post",
        ),
        Row("verify_email_bad", r("storefront:verify_email", "x"), expect(everyone=400)),
        Row("password_reset", r("storefront:password_reset"), expect(everyone=ALLOW)),
        Row("password_reset_sent", r("storefront:password_reset_sent"), expect(everyone=ALLOW)),
        Row(
            "password_reset_complete",
            r("storefront:password_reset_complete"),
            expect(everyone=ALLOW),
        ),
        Row(
            "password_reset_confirm_bad",
            reverse("storefront:password_reset_confirm", args=["MQ", "bad-token"]),
            expect(everyone=ALLOW),  # the page says the link does not work
        ),
        Row("email_change", r("storefront:email_change"), expect(**CUSTOMER_ONLY)),
        Row(
            "email_change_confirm_bad",
            r("storefront:email_change_confirm", "x"),
            expect(everyone=400),
        ),
        Row("security", security, expect(**CUSTOMER_ONLY)),
        Row(
            "security_codes",
            r("storefront:security_codes"),
            expect(**(CUSTOMER_ONLY | {"customers": redirect_to(security)})),
        ),
        Row(
            "security_new_codes",
            r("storefront:security_new_codes"),
            expect(**(CUSTOMER_ONLY | {"customers": redirect_to(security)})),
            method="post",
        ),
        Row(
            "security_disable",
            r("storefront:security_disable"),
            expect(**(CUSTOMER_ONLY | {"customers": redirect_to(security)})),
            method="post",
        ),
    ]


def portal_rows():
    def detail(o):
        return r("portal:staff_detail", o["target"].pk)

    def vip(o):
        return r("portal:customer_vip", o["customer"].public_id)

    def staff_post(name):
        return Row(
            name,
            lambda o: r(name, o["target"].pk),
            expect(non_managers=REDIRECT_HOME, manager="DETAIL"),
            method="post",
            data={"role": "Manager"} if name == "portal:staff_role" else {},
        )

    return [
        Row("dashboard", r("portal:dashboard"), expect(**STAFF_ONLY)),
        Row(
            "staff_login",
            r("portal:login"),
            expect(non_staff=ALLOW, staff=redirect_to(r("portal:dashboard"))),
        ),
        Row("staff_login_verify", r("portal:login_verify"), expect(everyone=REDIRECT_HOME)),
        Row("staff_login_enrol", r("portal:login_enrol"), expect(everyone=REDIRECT_HOME)),
        Row("staff_recovery_codes", r("portal:recovery_codes"), expect(everyone=REDIRECT_HOME)),
        Row("staff_enrol_bad", r("portal:enrol", "MQ", "bad"), expect(everyone=REDIRECT_HOME)),
        Row("staff_list", r("portal:staff_list"), expect(**MANAGER_ONLY)),
        Row("staff_create", r("portal:staff_create"), expect(**MANAGER_ONLY)),
        Row("staff_detail", detail, expect(**MANAGER_ONLY)),
        Row(
            "staff_detail_missing",
            r("portal:staff_detail", 999999),
            expect(non_managers=REDIRECT_HOME, manager=NOT_FOUND),
        ),
        Row("customer_vip", vip, expect(**MANAGER_ONLY)),
        Row(
            "customer_vip_post",
            vip,
            expect(non_managers=REDIRECT_HOME, manager="VIP"),
            method="post",
            data={"is_vip": "on"},
        ),
        Row("audit_log", r("portal:audit_log"), expect(**MANAGER_ONLY)),
        staff_post("portal:staff_role"),
        staff_post("portal:staff_send_link"),
        staff_post("portal:staff_reset_2fa"),
        staff_post("portal:staff_unlock"),
        staff_post("portal:staff_deactivate"),
        Row("admin_index", r("admin:index"), expect(everyone=REDIRECT_HOME)),
        Row("admin_login", r("admin:login"), expect(everyone=REDIRECT_HOME)),
        Row("admin_users", r("admin:accounts_user_changelist"), expect(everyone=REDIRECT_HOME)),
    ]


def logout_rows():
    # Last: they end the actors' sessions.
    return [
        Row("staff_logout", r("portal:logout"), expect(everyone=REDIRECT_HOME), method="post"),
        Row("logout", r("storefront:logout"), expect(everyone=REDIRECT_HOME), method="post"),
    ]


def resolve_placeholders(rows, objects):
    """Some outcomes name object URLs ("DETAIL", "VIP", "PRODUCT"): fill them in."""
    urls = {
        "DETAIL": redirect_to(r("portal:staff_detail", objects["target"].pk)),
        "VIP": redirect_to(r("portal:customer_vip", objects["customer"].public_id)),
        "PRODUCT": redirect_to(objects["product"].get_absolute_url()),
    }
    for row in rows:
        row.expect = {
            actor: urls.get(str(value).removeprefix("redirect:"), value)
            for actor, value in row.expect.items()
        }
    return rows


def test_permission_matrix_for_every_url(clients, objects):
    rows = resolve_placeholders(
        storefront_rows() + auth_rows() + portal_rows() + logout_rows(), objects
    )

    assert check_matrix(rows, clients, objects) == []
