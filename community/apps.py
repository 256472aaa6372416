from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    label = "community"
    verbose_name = "Fellesskap"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
