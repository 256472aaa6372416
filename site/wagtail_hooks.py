"""Editor guard rails for the course material."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .models import CoursePage, LiteratureReference, ModulePage, Quiz, Video

register_snippet(Video)
register_snippet(Quiz)
register_snippet(LiteratureReference)

CAPTION_MESSAGE = (gettext_lazy("Siden kan ikke publiseres: videoen «%s» mangler teksting. Universell utforming "
                   "krever teksting av video (forskrift om universell utforming av IKT). Last opp en "
                   "WebVTT-fil på videoen og prøv igjen."))


def publish_blockers(page) -> list[str]:
    page = page.specific
    if isinstance(page, ModulePage):
        return [CAPTION_MESSAGE % v.title for v in page.uncaptioned_videos()]
    return []


@hooks.register("before_publish_page")
def refuse_uncaptioned_video(request, page):
    blockers = publish_blockers(page)
    if blockers:
        for text in blockers:
            messages.error(request, text)
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_edit_page")
def warn_about_structure(request, page):
    if request.method != "GET":
        return None
    page = page.specific
    if isinstance(page, ModulePage):
        missing = page.missing_parts()
        if missing:
            messages.warning(request, _("Modulen mangler: %(parts)s. Hver modul bør ha introvideo, veiledningsvideo, "
                               "klasseromseksempel, studieoppgave og oppsummering.") % {"parts": ", ".join(missing)})
    if isinstance(page, CoursePage):
        warning = page.module_count_warning()
        if warning:
            messages.warning(request, warning)
    return None


@hooks.register("after_create_page")
def moderate_new_course_indexes(request, page):
    from .editorial import course_workflow
    from .models import CourseIndexPage

    if isinstance(page.specific, CourseIndexPage):
        course_workflow()
