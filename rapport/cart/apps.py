from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "rapport.cart"
    label = "cart"
