from django.apps import AppConfig


class StaffroomConfig(AppConfig):
    name = "staffroom"
    label = "staffroom"
    verbose_name = "Staffroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import progress

        def merge_progress(sender, request, user, **kwargs):
            if request is not None and hasattr(request, "session"):
                progress.merge_session_into_user(request, user)

        user_logged_in.connect(merge_progress, dispatch_uid="staffroom.merge_progress", weak=False)
