"""A customer registers and verifies their address; a manager signs in through the staff
entrance with a TOTP code; a failed staff login ends on the storefront (real Chromium)."""

import re

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.accounts.models import User
from rapport.accounts.roles import MANAGER
from rapport.accounts.tests.helpers import code_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_LOGIN = f"/{settings.RAPPORT_STAFF_PATH}/login/"


def test_customer_registers_and_verifies_email_from_the_mail(page, smtp_server, artifacts_dir):
    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.locator("#id_name").fill("Nia New")
    page.locator("#id_email").fill("nia@example.com")
    page.locator("#id_password1").fill("a long and unusual passphrase 913")
    page.locator("#id_password2").fill("a long and unusual passphrase 913")
    page.get_by_role("button", name="Create account").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    page.goto("/")
    # Not signed in until the address is verified (registration reveals nothing).
    assert page.get_by_role("link", name="Register").is_visible()
    [mail] = smtp_server.wait_for(1)
    link = re.search(r"(http://\S+/account/verify/\S+/)", mail.get_body(("plain",)).get_content())[
        1
    ]

    page.goto(link)

    assert page.get_by_text("your email address is verified").is_visible()
    assert page.get_by_text("Please verify your email address").count() == 0
    assert page.get_by_role("link", name="Register").count() == 0  # signed in by the link
    assert User.objects.get(email="nia@example.com").email_verified_at is not None
    page.screenshot(path=str(artifacts_dir / "verified.png"), full_page=True)


def test_manager_enrols_totp_and_reaches_the_portal(page, make_user, password, artifacts_dir):
    manager = make_user("mona@staff.example.com", role=MANAGER)

    page.goto(STAFF_LOGIN)
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Set up your authenticator"
    assert page.locator(".qr-code svg").count() == 1
    page.screenshot(path=str(artifacts_dir / "staff-enrol.png"), full_page=True)
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    page.locator("#id_code").fill(code_for(device))
    page.get_by_role("button", name="Confirm").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="Continue to the portal").click()
    assert page.url.endswith(f"/{settings.RAPPORT_STAFF_PATH}/")
    # The portal's menu is grouped: "Staff" is under "Settings", hidden until it is opened.
    assert not page.get_by_role("link", name="Staff", exact=True).is_visible()
    page.locator(".nav-group > summary", has_text="Settings").click()
    page.get_by_role("link", name="Staff", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Staff"


def test_failed_staff_login_lands_on_the_store_and_back_does_not_return(page, make_user):
    manager = make_user("mona@staff.example.com", role=MANAGER)
    page.goto("/")
    page.goto(STAFF_LOGIN)
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))

    page.go_back()
    page.wait_for_load_state()

    assert re.match(r"^http://[^/]+/$", page.url), page.url
    assert page.locator("input[name=form_token]").count() == 0
