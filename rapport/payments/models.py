"""Payments recorded against orders, the store-credit wallet ledger, per-customer credit terms."""

from __future__ import annotations

from django.conf import settings
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


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # cash on delivery, credit terms: money comes later
    # A hosted provider's page (Stripe Checkout): the customer has not paid yet, or the
    # provider has not confirmed it yet. Nothing is packed or counted until it does.
    AWAITING = "awaiting", _("Awaiting payment")
    AUTHORISED = "authorised", _("Authorised")
    CAPTURED = "captured", _("Paid")
    REFUNDED = "refunded", _("Refunded")
    FAILED = "failed", _("Failed")


class Payment(PublicIdModel, TimeStampedModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    installments = models.PositiveSmallIntegerField(default=1)
    sequence = models.PositiveSmallIntegerField(default=1)
    source = models.CharField(max_length=32, default="web")
    external_order_ref = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.CAPTURED
    )
    provider = models.CharField(max_length=32, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    # The provider's money movement behind the reference (Stripe: the PaymentIntent), for refunds
    # and for the events that name only it.
    provider_intent = models.CharField(max_length=100, blank=True, db_index=True)
    # Where the customer pays while the payment is awaiting (the provider's hosted page).
    pay_url = models.URLField(max_length=2048, blank=True)
    # Never the full number: the last four digits are all a receipt or a dispute needs.
    card_last4 = models.CharField(max_length=4, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

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


class ProviderEvent(models.Model):
    """A provider webhook event already applied: the same event delivered again is ignored."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.kind}"


class WalletAccount(TimeStampedModel):
    """A customer's store credit. `balance` caches the sum of the entries, updated under a lock."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.PROTECT, related_name="wallet"
    )
    balance = MoneyField(_("balance"), default=0)

    class Meta:
        verbose_name = _("wallet")
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="wallet_not_negative")
        ]

    def __str__(self) -> str:
        return f"Wallet of {self.customer_id}: {self.balance}"


class WalletEntryKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up by staff")
    DEBIT = "debit", _("Paid for an order")
    REFUND = "refund", _("Refund")


class WalletEntry(models.Model):
    """One signed movement of store credit; entries are only ever added."""

    account = models.ForeignKey(WalletAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=WalletEntryKind.choices)
    amount = MoneyField()
    balance_after = MoneyField()
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="wallet_entry_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class CreditAccount(TimeStampedModel):
    """Whether a customer may pay on account ("credit terms"), within how many days, up to what."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="credit_account"
    )
    allowed = models.BooleanField(_("credit terms allowed"), default=False)
    days = models.PositiveSmallIntegerField(_("days to pay"), default=30)
    limit = MoneyField(_("credit limit"), default=0)

    class Meta:
        verbose_name = _("credit account")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(limit__gte=0), name="credit_limit_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"Credit {self.customer_id}: {self.limit} / {self.days}d"


class TopUpRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a manager")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TopUpRequest(TimeStampedModel):
    """A store-credit top-up by an employee that needs a manager's approval: over the
    per-top-up threshold or the employee's daily cap (`payments.topups`)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="top_up_requests"
    )
    amount = MoneyField(_("amount"))
    note = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=TopUpRequestStatus.choices, default=TopUpRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        WalletEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="top_up_request_positive")
        ]

    def __str__(self) -> str:
        return f"Top-up {self.amount} for {self.customer_id} ({self.status})"
