"""Performance figures from real work (checked against hand-computed values), personal report
files (type by content, private, attachment only) and who may see what."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.roles import EMPLOYEE
from rapport.aftersales.tests.factories import buy, reachable
from rapport.aftersales.tickets import add_message, open_inquiry, update_ticket
from rapport.chat.services import close_chat, rate_chat, start_customer_chat, take_chat
from rapport.checkout.tests.factories import stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    REDIRECT_HOME,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.customers.models import Customer
from rapport.orders.lifecycle import advance_order
from rapport.workspace import performance
from rapport.workspace.models import ReportFile, Team
from rapport.workspace.reportfiles import ReportFileError, upload_report_file

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = at(1, 0)

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    fake = Clock()
    monkeypatch.setattr(timezone, "now", fake)
    return fake


@pytest.fixture
def private_root(settings: Any, tmp_path: Any) -> Any:
    settings.RAPPORT_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.RAPPORT_PRIVATE_ROOT


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml" if kind == "xlsx" else "word/document.xml", "<x/>")
    return buffer.getvalue()


def test_figures_match_hand_computed_values(people, make_user, clock):
    """Wednesday 18 November 2026, noon: this week began Monday the 16th, last week the 9th."""
    emma, max_ = people["employee"], people["manager"]
    ann = reachable(Customer.objects.get(user=people["customer"]))
    product = stocked_product(quantity=50)

    # Orders: A packed (16th) and shipped (17th) by Emma; B packed by her last week (10th) and
    # shipped by Max this week (not hers).
    clock.now = at(9, 9)
    order_b = buy(people["customer"], ann, [(product, 1)], key="b")
    clock.now = at(10, 9)
    advance_order(order=order_b, to="packed", actor=emma)
    clock.now = at(16, 9)
    order_a = buy(people["customer"], ann, [(product, 1)], key="a")
    clock.now = at(16, 10)
    advance_order(order=order_a, to="packed", actor=emma)
    clock.now = at(17, 10)
    advance_order(order=order_a, to="shipped", actor=emma, carrier="DHL", tracking_number="1")
    advance_order(order=order_b, to="shipped", actor=max_, carrier="DHL", tracking_number="2")

    # Tickets: T1 opened 16th 08:00, Emma answers first at 10:00 (2 h) and resolves at 14:00
    # (6 h). T2 opened 17th 00:00, Max answers first at 01:00, Emma at 05:00, Emma resolves at
    # 12:00 (12 h).
    clock.now = at(16, 8)
    t1 = open_inquiry(customer=ann, subject="Lamp", body="Broken?", actor=people["customer"])
    clock.now = at(16, 10)
    add_message(ticket=t1, body="Looking", actor=emma, from_staff=True, notify=False)
    clock.now = at(16, 14)
    update_ticket(ticket=t1, actor=emma, status="resolved")
    clock.now = at(17, 0)
    t2 = open_inquiry(customer=ann, subject="Tent", body="Size?", actor=people["customer"])
    clock.now = at(17, 1)
    add_message(ticket=t2, body="Hello", actor=max_, from_staff=True, notify=False)
    clock.now = at(17, 5)
    add_message(ticket=t2, body="More", actor=emma, from_staff=True, notify=False)
    clock.now = at(17, 12)
    update_ticket(ticket=t2, actor=emma, status="resolved")
    # Emma assigns herself T2 after resolving it: not a second resolution.
    update_ticket(ticket=t2, actor=emma, assignee=emma)

    # Chats served by Emma: closed 12th (rated 2), 17th (rated 4), 18th (rated 5), 18th (none);
    # one served by Max (rated 1) is not hers.
    for day, hour, rating, server in [
        (12, 9, 2, emma),
        (17, 15, 4, emma),
        (18, 9, 5, emma),
        (18, 10, None, emma),
        (18, 11, 1, max_),
    ]:
        clock.now = at(day, hour)
        room = start_customer_chat(
            customer=ann, requested=None, body="Hi", actor=people["customer"]
        )
        take_chat(room=room, actor=server)
        close_chat(room=room, actor=server)
        if rating:
            rate_chat(room=room, actor=people["customer"], rating=rating)

    clock.now = at(18, 12)
    weeks = performance.figures(emma, period="week", count=3)
    assert [w.start for w in weeks] == [
        datetime.date(2026, 11, 16),
        datetime.date(2026, 11, 9),
        datetime.date(2026, 11, 2),
    ]
    this, last, before = weeks
    assert (this.orders, this.steps) == (1, 2)
    assert (this.tickets_resolved, this.resolution_hours) == (2, Decimal("9.0"))
    assert (this.first_responses, this.first_response_hours) == (1, Decimal("2.0"))
    assert (this.chats, this.ratings, this.rating) == (3, 2, Decimal("4.50"))
    assert (last.orders, last.steps, last.tickets_resolved, last.first_responses) == (1, 1, 0, 0)
    assert (last.chats, last.rating, last.resolution_hours) == (1, Decimal("2.00"), None)
    assert (before.orders, before.chats, before.rating) == (0, 0, None)

    [november] = performance.figures(emma, period="month", count=1)
    assert november.start == datetime.date(2026, 11, 1)
    assert (november.orders, november.steps, november.tickets_resolved) == (2, 3, 2)
    assert (november.chats, november.ratings, november.rating) == (4, 3, Decimal("3.67"))

    mine = performance.figures(max_, period="month", count=1)[0]
    assert (mine.orders, mine.first_responses, mine.chats, mine.rating) == (1, 1, 1, Decimal("1"))


def test_period_starts_cross_month_and_year_boundaries():
    assert performance.period_starts("month", 3, datetime.date(2026, 2, 10)) == [
        datetime.date(2026, 2, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2025, 12, 1),
    ]
    assert performance.period_starts("week", 2, datetime.date(2026, 1, 1)) == [
        datetime.date(2025, 12, 29),
        datetime.date(2025, 12, 22),
    ]


@pytest.mark.parametrize("kind", ["pdf", "xlsx", "docx"])
def test_upload_keeps_the_file_privately_and_audits_it(people, private_root, kind):
    data = pdf_bytes() if kind == "pdf" else office_bytes(kind)
    # The name and the claimed type decide nothing: the content does.
    upload = SimpleUploadedFile("q3 <summary>.bin", data, content_type="text/html")
    report = upload_report_file(owner=people["employee"], upload=upload)
    assert report.kind == kind and report.title == "q3 summary"
    stored = private_root / report.path
    assert stored.read_bytes() == data
    assert not any((private_root.parent / "media").glob("**/*.*"))
    assert AuditEntry.objects.filter(action="report_file.uploaded", actor=people["employee"])


@pytest.mark.parametrize(
    "name, data",
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>"),
        ("report.docx", b"PK\x03\x04 not really a zip"),
        ("report.xlsx", office_bytes("other").replace(b"word/document.xml", b"word/other.xmlx")),
        ("report.pdf", b""),
    ],
    # Named ids: the zip's bytes hold the time it was built, and xdist's workers must collect
    # the same test names.
    ids=["html-named-pdf", "fake-zip", "zip-without-office-parts", "empty"],
)
def test_upload_refuses_what_is_not_a_report_whatever_its_name(people, private_root, name, data):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    with pytest.raises(ReportFileError):
        upload_report_file(owner=people["employee"], upload=upload)
    assert ReportFile.objects.count() == 0
    assert not private_root.exists() or not any(private_root.glob("**/*.*"))


def test_upload_refuses_a_file_over_the_limit(people, private_root, settings):
    settings.RAPPORT_REPORT_FILE_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.pdf", pdf_bytes() + b"0" * 100)
    with pytest.raises(ReportFileError):
        upload_report_file(owner=people["employee"], upload=upload)
    assert ReportFile.objects.count() == 0


def test_html_named_pdf_is_refused_through_the_page(people, clients, private_root):
    fake = SimpleUploadedFile("report.pdf", b"<html>hi</html>", content_type="application/pdf")
    response = clients["employee"].post(reverse("portal:performance"), {"file": fake})
    assert response.status_code == 400
    assert "Upload a PDF" in response.content.decode()
    assert ReportFile.objects.count() == 0


def test_download_is_an_attachment_for_the_owner_and_managers_only(
    people, clients, private_root, make_user
):
    from django.test import Client

    from rapport.core import testing

    report = upload_report_file(
        owner=people["employee"], upload=SimpleUploadedFile("mine.pdf", pdf_bytes())
    )
    url = reverse("portal:report_file", args=[report.public_id])
    for actor in ("employee", "manager"):
        response = clients[actor].get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="mine.pdf"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert response.content == pdf_bytes()
    assert AuditEntry.objects.filter(action="report_file.downloaded").count() == 2
    colleague = make_user("olga@staff.example.com", role=EMPLOYEE)
    other = Client()
    testing.login_staff(other, colleague)
    assert other.get(url).status_code == 404
    # The file is not under the public media URL.
    page = clients["employee"].get(reverse("portal:performance")).content.decode()
    assert report.path not in page


def test_performance_pages_matrix(people, clients, private_root, make_user):
    from django.test import Client

    from rapport.core import testing

    report = upload_report_file(
        owner=people["employee"], upload=SimpleUploadedFile("mine.pdf", pdf_bytes())
    )
    team = Team.objects.create(name="Warehouse")
    team.members.set([people["employee"], people["manager"]])
    outsider = make_user("olga@staff.example.com", role=EMPLOYEE)
    rows = [
        Row("portal:performance", reverse("portal:performance"), expect(**STAFF_ONLY)),
        Row(
            "portal:performance (month)",
            reverse("portal:performance") + "?period=month",
            expect(**STAFF_ONLY),
        ),
        Row(
            "portal:member_performance",
            reverse("portal:member_performance", args=[people["employee"].pk]),
            expect(
                non_staff=REDIRECT_HOME,
                employee=redirect_to(reverse("portal:performance")),
                manager=ALLOW,
            ),
        ),
        Row(
            "portal:member_performance (outside the team)",
            reverse("portal:member_performance", args=[outsider.pk]),
            expect(non_staff=REDIRECT_HOME, staff=NOT_FOUND),
        ),
        Row(
            "portal:report_file",
            reverse("portal:report_file", args=[report.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=ALLOW),
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    # An employee does not see a colleague's figures, even in the same team.
    colleague = make_user("kim@staff.example.com", role=EMPLOYEE)
    team.members.add(colleague)
    kim = Client()
    testing.login_staff(kim, colleague)
    emma_url = reverse("portal:member_performance", args=[people["employee"].pk])
    assert kim.get(emma_url).status_code == 404
    assert kim.get(reverse("portal:report_file", args=[report.public_id])).status_code == 404
    # The manager's page lists the team's members.
    page = clients["manager"].get(reverse("portal:performance")).content.decode()
    assert reverse("portal:member_performance", args=[colleague.pk]) in page
    assert reverse("portal:member_performance", args=[outsider.pk]) not in page
