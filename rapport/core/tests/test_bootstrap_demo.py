from io import StringIO

import pytest
from django.core.management import call_command

from rapport.accounts.models import User
from rapport.accounts.roles import is_employee, is_manager
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_bootstrap_demo_creates_the_three_demo_people_once(tmp_path, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    out = StringIO()

    call_command("bootstrap_demo", data_dir=str(tmp_path), stdout=out)
    call_command("bootstrap_demo", data_dir=str(tmp_path), stdout=StringIO())

    customer = User.objects.get(email="customer@demo.rapport.test")
    employee = User.objects.get(email="employee@demo.rapport.test")
    manager = User.objects.get(email="manager@demo.rapport.test")
    assert User.objects.count() == 3
    assert Customer.objects.filter(user=customer).count() == 1
    assert customer.email_verified and not customer.is_staff
    assert is_employee(employee) and not is_manager(employee)
    assert is_manager(manager)
    text = out.getvalue()
    assert "No demo data" in text
    assert "demo-manager-2026" in text
    assert not (tmp_path / "model.json").exists()
