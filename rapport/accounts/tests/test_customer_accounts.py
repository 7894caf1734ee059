"""Customer registration, verification, login, password reset and email change, with real mail."""

import re

import pytest
from django.urls import reverse

from rapport.accounts.models import User
from rapport.accounts.tests.helpers import store_login
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a long and unusual passphrase 913"


def link_in(message, path_prefix):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    match = re.search(r"http://testserver(" + re.escape(path_prefix) + r"[^\s\"<]+)", text)
    assert match, text
    assert match.group(1) in html
    return match.group(1)


def register(client, email="new@example.com", password=NEW_PASSWORD, name="Nia New"):
    return client.post(
        reverse("storefront:register"),
        {"name": name, "email": email, "password1": password, "password2": password},
    )


def test_registration_creates_user_and_crm_record_and_mails_a_verification_link(
    client, smtp_server
):
    response = register(client)

    assert response["Location"] == reverse("storefront:verify_sent")
    user = User.objects.get(email="new@example.com")
    assert user.email_verified_at is None
    assert Customer.objects.get(user=user).name == "Nia New"
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "new@example.com"
    assert "_auth_user_id" not in client.session  # not signed in before the link is followed

    path = link_in(mail, "/account/verify/")
    client.get(path)

    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)  # signed in by the link
    assert "Please verify your email address" not in client.get("/").content.decode()
    # A second click verifies nothing new and signs nobody in.
    other = type(client)()
    other.get(path)
    assert "_auth_user_id" not in other.session
    assert AuditEntry.objects.filter(action="auth.email_verified", customer__user=user).count() == 1


def test_weak_password_is_refused_and_nothing_is_created(client, smtp_server):
    response = register(client, password="12345678")

    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="new@example.com").exists()
    assert smtp_server.messages == []


def test_registering_a_taken_address_reveals_nothing_and_tells_its_owner(
    client, people, smtp_server
):
    before = User.objects.count()

    response = register(client, email="ANN@example.com")
    fresh = type(client)()
    new = register(fresh, email="nobody.yet@example.com")

    # Same answer for a taken and a new address, and neither browser is signed in.
    assert response["Location"] == new["Location"] == reverse("storefront:verify_sent")
    assert "_auth_user_id" not in client.session and "_auth_user_id" not in fresh.session
    assert User.objects.count() == before + 1
    mails = {m["To"]: m for m in smtp_server.wait_for(2)}
    mail = mails["ann@example.com"]
    assert "already has one" in mail.get_body(preferencelist=("plain",)).get_content()


def test_tampered_verification_link_is_refused(client, people):
    response = client.get(reverse("storefront:verify_email", args=["not-a-real-token"]))

    assert response.status_code == 400
    people["customer"].refresh_from_db()
    assert people["customer"].email_verified_at is None


def test_customer_logs_in_and_session_key_rotates(client, people, password):
    client.get(reverse("storefront:login"))
    client.cookies["sessionid"] = "attacker-chosen-key"

    response = store_login(client, people["customer"].email, password)

    assert response.status_code == 302
    assert client.cookies["sessionid"].value != "attacker-chosen-key"
    assert AuditEntry.objects.filter(
        action="auth.store_login_succeeded", customer__user=people["customer"]
    ).exists()


def test_password_reset_mails_a_link_that_sets_the_password_once(client, people, smtp_server):
    ann = people["customer"]
    response = client.post(reverse("storefront:password_reset"), {"email": ann.email})
    assert response["Location"] == reverse("storefront:password_reset_sent")
    [mail] = smtp_server.wait_for(1)
    path = link_in(mail, "/account/password/reset/")

    form_page = client.get(path, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done["Location"] == reverse("storefront:password_reset_complete")
    ann.refresh_from_db()
    assert ann.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="auth.password_reset_done", actor=ann).count() == 1
    assert client.get(path, follow=True).context["validlink"] is False


def test_password_reset_for_unknown_or_staff_address_looks_the_same_and_sends_nothing(
    client, people, smtp_server
):
    for email in ("nobody@example.com", people["manager"].email):
        response = client.post(reverse("storefront:password_reset"), {"email": email})
        assert response["Location"] == reverse("storefront:password_reset_sent")
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_password_reset_is_rate_limited_per_target_email(client, people, settings):
    email = people["customer"].email
    for _ in range(settings.RAPPORT_RESET_LIMIT_PER_EMAIL):
        assert (
            client.post(reverse("storefront:password_reset"), {"email": email}).status_code == 302
        )

    refused = client.post(reverse("storefront:password_reset"), {"email": email})

    assert refused.status_code == 429
    assert AuditEntry.objects.filter(action="auth.password_reset_requested").count() == 3
    assert AuditEntry.objects.filter(action="auth.password_reset_throttled").count() == 1


def test_password_reset_is_rate_limited_per_address(client, settings):
    for n in range(settings.RAPPORT_RESET_LIMIT_PER_IP):
        client.post(reverse("storefront:password_reset"), {"email": f"x{n}@example.com"})

    refused = client.post(reverse("storefront:password_reset"), {"email": "fresh@example.com"})

    assert refused.status_code == 429


def test_email_change_takes_effect_only_after_the_new_address_confirms(
    client, people, password, smtp_server
):
    ann = people["customer"]
    from rapport.core.testing import login_customer

    login_customer(client, ann)
    response = client.post(
        reverse("storefront:email_change"),
        {"new_email": "ann.new@example.com", "password": password},
    )
    assert response.status_code == 200
    ann.refresh_from_db()
    assert ann.email == "ann@example.com"
    [confirm] = smtp_server.wait_for(1)
    assert confirm["To"] == "ann.new@example.com"

    client.get(link_in(confirm, "/account/email/confirm/"))

    ann.refresh_from_db()
    assert ann.email == "ann.new@example.com"
    assert ann.email_verified_at is not None
    assert Customer.objects.get(user=ann).email == "ann.new@example.com"
    notice = smtp_server.wait_for(2)[1]
    assert notice["To"] == "ann@example.com"
    assert AuditEntry.objects.filter(action="auth.email_changed", customer__user=ann).count() == 1


def test_email_change_needs_the_password(client, people, smtp_server):
    from rapport.core.testing import login_customer

    login_customer(client, people["customer"])
    response = client.post(
        reverse("storefront:email_change"), {"new_email": "x@example.com", "password": "wrong"}
    )

    assert response.context["form"].errors["password"]
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_customer_delay_tells_what_to_do_without_revealing_the_account(client, people, settings):
    pages = []
    for email in (people["customer"].email, "ghost@example.com"):
        fresh = type(client)(REMOTE_ADDR=f"10.0.0.{len(pages) + 1}")
        response = None
        for _ in range(settings.RAPPORT_LOGIN_FREE_FAILURES + 2):
            response = store_login(fresh, email, "wrong")
        pages.append(response)

    assert [p.status_code for p in pages] == [200, 200]
    errors = [p.context["form"].non_field_errors() for p in pages]
    assert errors[0] == errors[1]
    assert "reset your password" in str(errors[0])


def test_password_reset_lifts_the_delays(client, people, password, settings):
    from rapport.accounts.services.customer_accounts import complete_password_reset

    ann = people["customer"]
    for _ in range(settings.RAPPORT_LOGIN_FREE_FAILURES + 1):
        store_login(client, ann.email, "wrong")
    assert store_login(client, ann.email, password).status_code == 200  # still waiting

    complete_password_reset(user=ann, password=NEW_PASSWORD)

    assert store_login(client, ann.email, NEW_PASSWORD).status_code == 302


def test_customer_with_two_factor_needs_the_code_at_the_store_login(client, people, password):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rapport.accounts.tests.helpers import code_for
    from rapport.core.testing import login_customer

    ann = people["customer"]
    login_customer(client, ann)
    client.get(reverse("storefront:security"))
    device = TOTPDevice.objects.get(user=ann, confirmed=False)
    enabled = client.post(reverse("storefront:security"), {"code": code_for(device)})
    assert enabled["Location"] == reverse("storefront:security_codes")
    client.post(reverse("storefront:logout"))

    first = store_login(client, ann.email, password)
    assert first["Location"] == reverse("storefront:login_verify")
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("storefront:login_verify"), {"code": "000000"}).status_code == 200
    assert "_auth_user_id" not in client.session

    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(reverse("storefront:login_verify"), {"code": code_for(device, 1)})

    assert done["Location"] == "/"
    assert client.session["_auth_user_id"] == str(ann.pk)
    assert AuditEntry.objects.filter(action="auth.store_login_succeeded", actor=ann).count() == 1
