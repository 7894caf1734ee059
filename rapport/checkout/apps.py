from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "rapport.checkout"
    label = "checkout"
