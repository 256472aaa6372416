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
        self._connect_page_cache()
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_course_workflow, dispatch_uid="staffroom.course_workflow")

    def _connect_page_cache(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from .pagecache import bump_generation

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(bump_generation, dispatch_uid=f"pagecache.{id(signal)}", weak=False)
        # Snippets shown inside pages.
        for label in ("staffroom.Video", "staffroom.VideoQuestion", "staffroom.Quiz", "staffroom.QuizQuestion",
                      "staffroom.LiteratureReference", "ideabank.CompetenceAim",
                      "wagtailimages.Image", "wagtailcore.Site",
                      # a page that becomes private must stop being served from the cache
                      "wagtailcore.PageViewRestriction"):
            for signal in (post_save, post_delete):
                signal.connect(bump_generation, sender=label, dispatch_uid=f"pagecache.{label}.{id(signal)}",
                               weak=False)

        def page_changed(sender, instance, **kwargs):
            from wagtail.models import Page

            if isinstance(instance, Page):
                bump_generation()

        post_delete.connect(page_changed, dispatch_uid="pagecache.page_deleted", weak=False)
        # Any save of a page, a draft's too: the render cache keeps page objects.
        post_save.connect(page_changed, dispatch_uid="pagecache.page_saved", weak=False)

        def thread_created(sender, instance, created, **kwargs):
            # A module's discussion link appears; its post count may lag (see pagecache).
            if created:
                bump_generation()

        post_save.connect(thread_created, sender="forums.Thread", dispatch_uid="pagecache.thread", weak=False)


def _ensure_course_workflow(sender, **kwargs) -> None:
    """Every installation has "Kursmoderering", whether or not it was seeded.
    Runs after the last app's post_migrate, when every permission exists."""
    from django.apps import apps

    # post_migrate is sent only for apps with a models module.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is not last:
        return
    from .editorial import course_workflow

    course_workflow()
