"""Payments recorded against orders. The wallet ledger and provider interface come later."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField


class PaymentMethod(models.TextChoices):
    CASH_ON_DELIVERY = "cod", _("Cash on delivery")
    WALLET = "wallet", _("Store credit")
    CARD = "card", _("Card")
    CREDIT_TERMS = "credit_terms", _("Credit terms")
    BOLETO = "boleto", _("Boleto")
    VOUCHER = "voucher", _("Voucher")
    DEBIT_CARD = "debit_card", _("Debit card")
    OTHER = "other", _("Other")


class Payment(PublicIdModel, TimeStampedModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    installments = models.PositiveSmallIntegerField(default=1)
    sequence = models.PositiveSmallIntegerField(default=1)
    source = models.CharField(max_length=32, default="web")
    external_order_ref = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_order_ref", "sequence"],
                condition=~models.Q(external_order_ref=""),
                name="payment_unique_external",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency}"
