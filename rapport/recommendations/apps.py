from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rapport.recommendations"
    verbose_name = "Recommendations"
