from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "rapport.storefront"
    label = "storefront"
