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
    assert User.objects.count() == 5  # and the content writer and editor (issue 22)
    assert Customer.objects.filter(user=customer).count() == 1
    assert customer.email_verified and not customer.is_staff
    assert is_employee(employee) and not is_manager(employee)
    assert is_manager(manager)
    text = out.getvalue()
    assert "No demo data" in text
    assert "demo-manager-2026" in text
    assert not (tmp_path / "model.json").exists()


def test_bootstrap_demo_imports_the_olist_window_and_survives_too_little_history(
    tmp_path, settings
):
    import shutil
    from pathlib import Path

    from rapport.orders.models import Order

    data = Path(__file__).resolve().parents[3] / "tests" / "data"
    olist = tmp_path / "olist"
    shutil.copytree(data / "olist", olist)
    shutil.copy(data / "delivery" / "olist_geolocation_dataset.csv.gz", olist)
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    out = StringIO()

    call_command("bootstrap_demo", data_dir=str(tmp_path), stdout=out)

    # The slice's two orders purchased from 2018-05-01; 12 orders are too few to learn from.
    assert set(Order.objects.filter(source="olist").values_list("external_id", flat=True)) == {
        "0ac645ddb846d1373321decb39c9956f",
        "23c0fb66f3afa483b302cc740b14f17b",
    }
    assert "promises use the default days" in out.getvalue()
    assert not (tmp_path / "model.json").exists()
