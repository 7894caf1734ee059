from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rapport.payments"
    label = "payments"
