from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    label = "live"
    verbose_name = "Grupperom"
    default_auto_field = "django.db.models.BigAutoField"
