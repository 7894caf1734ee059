"""After the sale: returns (RMA), warranties and service plans, service tickets, upgrade notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")


class ReturnRequest(PublicIdModel, TimeStampedModel):
    number = models.CharField(max_length=40, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(
        max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    reason = models.TextField(_("reason"))
    refund_to = models.CharField(max_length=10)  # orders.RefundDestination
    items_total = MoneyField(default=0)
    shipping_share = MoneyField(default=0)
    refund_amount = MoneyField(default=0)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="return_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"


class ProductWarranty(models.Model):
    """Warranty months of one product (others use RAPPORT_WARRANTY_MONTHS)."""

    product = models.OneToOneField(
        "catalog.Product", on_delete=models.CASCADE, related_name="warranty"
    )
    months = models.PositiveSmallIntegerField(_("warranty months"))

    def __str__(self) -> str:
        return f"{self.product_id}: {self.months} months"


class ServicePlan(TimeStampedModel):
    """A paid-for service plan: tickets on `product` (any product if empty) are free until
    `valid_until`."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="service_plans"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=120)
    valid_until = models.DateField()


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Coverage(models.TextChoices):
    WARRANTY = "warranty", _("Under warranty")
    PLAN = "plan", _("Service plan")
    PAID = "paid", _("Paid service")
    # A question left when nobody was online to chat (no bought item, nothing to pay).
    INQUIRY = "inquiry", _("Question")


class ServiceTicket(PublicIdModel, TimeStampedModel):
    number = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets"
    )
    # None for a question left from the chat (Coverage.INQUIRY).
    order_line = models.ForeignKey(
        "orders.OrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    coverage = models.CharField(max_length=10, choices=Coverage.choices)
    price = MoneyField(default=0)
    # A paid ticket is paid like a purchase: a service order with one fee line.
    payment_order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class TicketMessage(models.Model):
    ticket = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.created_at}"


class UpgradeNotice(PublicIdModel, TimeStampedModel):
    """A new version of a product (or an upgrade note) to tell every past buyer about once."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    new_product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("how to upgrade"))
    published_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class UpgradeDelivery(models.Model):
    """One buyer's copy of a notice. The unique pair is what makes the send exactly-once."""

    notice = models.ForeignKey(UpgradeNotice, on_delete=models.CASCADE, related_name="deliveries")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skipped_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "customer"], name="upgrade_once_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.customer_id}"
