from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "forums"
    label = "forums"
    verbose_name = "Forum"
    default_auto_field = "django.db.models.BigAutoField"
