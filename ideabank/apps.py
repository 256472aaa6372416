from django.apps import AppConfig


class IdeabankConfig(AppConfig):
    name = "ideabank"
    label = "ideabank"
    verbose_name = "Idébank"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401
