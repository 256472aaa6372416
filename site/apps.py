from django.apps import AppConfig


class StaffroomConfig(AppConfig):
    name = "staffroom"
    label = "staffroom"
    verbose_name = "Staffroom"
    default_auto_field = "django.db.models.BigAutoField"
