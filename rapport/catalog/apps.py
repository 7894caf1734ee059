from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "rapport.catalog"
    label = "catalog"
