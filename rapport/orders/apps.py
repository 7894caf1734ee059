from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rapport.orders"
    label = "orders"

    def ready(self) -> None:
        from rapport.messaging import attachments
        from rapport.orders.receipts import RECEIPT_ATTACHMENT, receipt_attachment

        attachments.register(RECEIPT_ATTACHMENT, receipt_attachment)
