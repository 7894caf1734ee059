from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rapport.orders"
    label = "orders"
