from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "rapport.customers"
    label = "customers"
