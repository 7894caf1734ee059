"""Mail stored but not processed (no worker) is picked up later; a processing error keeps it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.support.inbound import process_pending_inbound, receive_mail
from rapport.support.models import InboundMail, InboundStatus, Lead

pytestmark = pytest.mark.django_db

RAW = (
    b"From: Zoe <zoe@elsewhere.example>\r\nSubject: hi\r\nMessage-ID: <z@x>\r\n\r\n"
    b"where can I track my delivery?\r\n"
)


def _age(pk):
    InboundMail.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(minutes=5))


def test_pending_mail_is_processed_by_the_periodic_run(intent_model):
    pk = receive_mail(raw=RAW, envelope_from="zoe@elsewhere.example", rcpt_tos=["s@x"])
    fresh = receive_mail(raw=RAW, envelope_from="zoe@elsewhere.example", rcpt_tos=["s@x"])
    _age(pk)

    assert process_pending_inbound() == 1

    assert InboundMail.objects.get(pk=pk).status == InboundStatus.CASE_OPENED
    assert InboundMail.objects.get(pk=fresh).status == InboundStatus.RECEIVED
    assert Lead.objects.get().email == "zoe@elsewhere.example"


def test_a_processing_error_marks_the_mail_failed_and_keeps_it(settings, tmp_path):
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(b"not a model")
    settings.RAPPORT_INTENT_MODEL_PATH = broken
    pk = receive_mail(raw=RAW, envelope_from="zoe@elsewhere.example", rcpt_tos=["s@x"])
    _age(pk)

    process_pending_inbound()

    mail = InboundMail.objects.get(pk=pk)
    assert mail.status == InboundStatus.FAILED and mail.reason
    assert bytes(mail.raw) == RAW
