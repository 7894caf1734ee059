"""`{{ order|order_status }}`: the order's status in words (`orders.queries.status_label`);
`{{ code|payment_mode }}`: a payment mode's label ("Cash on delivery", not "cod")."""

from django import template

from rapport.orders.queries import status_label
from rapport.payments.models import PaymentMethod

register = template.Library()
register.filter("order_status", status_label)


@register.filter
def payment_mode(code: str) -> str:
    return str(PaymentMethod(code).label) if code in PaymentMethod.values else code
