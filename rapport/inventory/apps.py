from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "rapport.inventory"
    label = "inventory"
