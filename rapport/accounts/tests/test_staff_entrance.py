"""The unadvertised staff entrance: password, then TOTP; failures land on the storefront."""

import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.accounts.sessions import STAFF_SEEN_KEY
from rapport.accounts.tests.helpers import (
    STAFF_LOGIN,
    code_for,
    enrolled_device,
    staff_password_step,
    store_login,
)
from rapport.core.models import AuditEntry

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("portal:dashboard")


def test_staff_login_page_is_not_cached_and_carries_a_one_time_token(client):
    response = client.get(STAFF_LOGIN)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'name="form_token"' in response.content.decode()
    assert "staff-login.js" in response.content.decode()


def test_manager_logs_in_with_password_and_totp(client, people, password):
    manager = people["manager"]
    device = enrolled_device(manager)

    first = staff_password_step(client, manager.email, password)
    assert first.status_code == 302
    assert first["Location"] == reverse("portal:login_verify")
    assert client.get(DASHBOARD)["Location"] == "/"  # not logged in yet

    second = client.post(reverse("portal:login_verify"), {"code": code_for(device)})

    assert second.status_code == 302
    assert second["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    assert (
        AuditEntry.objects.filter(action="auth.staff_login_succeeded", actor=manager).count() == 1
    )


def test_staff_cannot_finish_login_without_the_totp_code(client, people, password):
    manager = people["manager"]
    device = enrolled_device(manager)
    staff_password_step(client, manager.email, password)

    wrong = client.post(reverse("portal:login_verify"), {"code": "000000"})

    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get(DASHBOARD)["Location"] == "/"
    assert AuditEntry.objects.filter(action="auth.2fa_failed").count() == 1
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_session_without_the_second_factor_gets_no_portal_page(client, people):
    from rapport.core.testing import login_staff_without_second_factor

    login_staff_without_second_factor(client, people["manager"])

    assert client.get(DASHBOARD)["Location"] == "/"


def test_first_login_enrols_totp_and_shows_recovery_codes_once(client, people, password):
    employee = people["employee"]
    start = staff_password_step(client, employee.email, password)
    assert start["Location"] == reverse("portal:login_enrol")
    page = client.get(reverse("portal:login_enrol"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=employee, confirmed=False)

    done = client.post(reverse("portal:login_enrol"), {"code": code_for(device)})

    assert done["Location"] == reverse("portal:recovery_codes")
    codes_page = client.get(reverse("portal:recovery_codes"))
    assert codes_page.status_code == 200
    assert StaticToken.objects.filter(device__user=employee).count() == 10
    assert client.get(reverse("portal:recovery_codes"))["Location"] == "/"  # shown once
    assert TOTPDevice.objects.get(user=employee).confirmed is True
    assert AuditEntry.objects.filter(action="auth.2fa_enrolled", actor=employee).count() == 1


def test_recovery_code_works_once(client, people, password):
    manager = people["manager"]
    enrolled_device(manager)
    from rapport.accounts.services.two_factor import regenerate_recovery_codes

    code = regenerate_recovery_codes(user=manager)[0]
    staff_password_step(client, manager.email, password)
    assert client.post(reverse("portal:login_verify"), {"code": code})["Location"] == DASHBOARD

    other = type(client)()
    staff_password_step(other, manager.email, password)
    reused = other.post(reverse("portal:login_verify"), {"code": code})

    assert reused.status_code == 200
    assert "_auth_user_id" not in other.session


@pytest.mark.parametrize("case", ["wrong_password", "unknown_account", "customer_account"])
def test_every_failed_staff_login_lands_on_the_storefront_home(client, people, password, case):
    email, secret = {
        "wrong_password": (people["manager"].email, "not the password"),
        "unknown_account": ("nobody@staff.example.com", password),
        "customer_account": (people["customer"].email, password),
    }[case]

    response = staff_password_step(client, email, secret)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert "rapport_pending_login" not in client.session
    entry = AuditEntry.objects.get(action="auth.staff_login_failed")
    assert entry.data["email"] == email
    assert entry.ip_address == "127.0.0.1"


def test_staff_account_at_the_store_login_fails_like_a_wrong_password(client, people, password):
    staff_try = store_login(client, people["manager"].email, password)
    wrong_try = store_login(client, people["customer"].email, "not the password")

    assert staff_try.status_code == wrong_try.status_code == 200
    assert (
        staff_try.context["form"].non_field_errors() == wrong_try.context["form"].non_field_errors()
    )
    assert "_auth_user_id" not in client.session


def test_back_navigated_staff_form_is_dead(client, people, password):
    manager = people["manager"]
    enrolled_device(manager)
    page = client.get(STAFF_LOGIN)
    from rapport.accounts.tests.helpers import form_token

    token = form_token(page.content.decode())
    client.post(STAFF_LOGIN, {"username": manager.email, "password": "wrong", "form_token": token})

    replay = client.post(
        STAFF_LOGIN, {"username": manager.email, "password": password, "form_token": token}
    )

    assert replay["Location"] == "/"
    assert "rapport_pending_login" not in client.session


def test_idle_staff_session_expires(clients, settings):
    client = clients["manager"]
    session = client.session
    session[STAFF_SEEN_KEY] = time.time() - settings.RAPPORT_STAFF_IDLE_MINUTES * 60 - 5
    session.save()

    response = client.get(DASHBOARD)

    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_staff_delay_looks_exactly_like_a_wrong_password(client, people, password, settings):
    manager = people["manager"]
    enrolled_device(manager)
    for _ in range(settings.RAPPORT_LOGIN_FREE_FAILURES + 1):
        assert staff_password_step(client, manager.email, "wrong")["Location"] == "/"

    again = staff_password_step(client, manager.email, password)

    # Delayed: even the right password lands on the store's home page, like a wrong one —
    # no 429, no page that confirms the staff path.
    assert (again.status_code, again["Location"]) == (302, "/")
    assert "rapport_pending_login" not in client.session
    assert AuditEntry.objects.filter(action="auth.login_delayed").count() == 1


def test_staff_delays_do_not_touch_the_store_entrance_or_other_addresses(
    client, people, password, settings
):
    manager = people["manager"]
    enrolled_device(manager)
    attacker = type(client)(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.RAPPORT_LOGIN_FREE_FAILURES + 3):
        staff_password_step(attacker, manager.email, "wrong")

    # The manager, from their own address, gets on with the password step at once.
    assert staff_password_step(client, manager.email, password)["Location"] == (
        reverse("portal:login_verify")
    )


def test_a_manager_lifts_a_colleagues_delays_and_it_is_audited(
    client, clients, people, password, settings
):
    emma = people["employee"]
    enrolled_device(emma)
    for _ in range(settings.RAPPORT_LOGIN_FREE_FAILURES + 1):
        staff_password_step(client, emma.email, "wrong")
    assert staff_password_step(client, emma.email, password)["Location"] == "/"
    detail = clients["manager"].get(reverse("portal:staff_detail", args=[emma.pk]))
    assert "delayed after failed attempts" in detail.content.decode()

    clients["manager"].post(reverse("portal:staff_unlock", args=[emma.pk]))

    assert staff_password_step(client, emma.email, password)["Location"] == (
        reverse("portal:login_verify")
    )
    entry = AuditEntry.objects.get(action="staff.login_unlocked")
    assert (entry.actor_id, entry.object_id) == (people["manager"].pk, str(emma.pk))


def test_admin_needs_a_superuser_with_a_verified_second_factor(client, make_user):
    from rapport.core.testing import login_staff, login_staff_without_second_factor

    boss = make_user("root@staff.example.com", is_staff=True, is_superuser=True)
    admin_url = reverse("admin:index")
    login_staff_without_second_factor(client, boss)
    assert client.get(admin_url)["Location"] == "/"
    assert client.get(reverse("admin:login"))["Location"] == "/"

    login_staff(client, boss)

    assert client.get(admin_url).status_code == 200


def _placed_order(people):
    from rapport.aftersales.tests.factories import buy
    from rapport.checkout.tests.factories import stocked_product
    from rapport.customers.models import Customer

    ann = people["customer"]
    return buy(ann, Customer.objects.get(user=ann), [(stocked_product(), 1)])


@pytest.mark.parametrize("page", ["storefront:order", "storefront:order_receipt"])
def test_idle_staff_session_reads_no_order_or_receipt_at_the_store(clients, people, settings, page):
    order = _placed_order(people)
    url = reverse(page, args=[order.public_id])
    client = clients["employee"]
    session = client.session
    session[STAFF_SEEN_KEY] = time.time() - settings.RAPPORT_STAFF_IDLE_MINUTES * 60 - 5
    session.save()

    response = client.get(url)

    assert response.status_code == 302
    assert order.number.encode() not in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("page", ["storefront:order", "storefront:order_receipt"])
def test_staff_session_without_second_factor_reads_no_order_at_the_store(client, people, page):
    from rapport.core.testing import login_staff_without_second_factor

    order = _placed_order(people)
    login_staff_without_second_factor(client, people["manager"])

    response = client.get(reverse(page, args=[order.public_id]))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_fresh_verified_staff_session_survives_store_pages(clients):
    response = clients["employee"].get(reverse("storefront:home"))

    assert response.status_code == 200
    assert "_auth_user_id" in clients["employee"].session
    assert clients["employee"].get(DASHBOARD).status_code == 200
