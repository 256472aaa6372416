from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog, set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from community import views as community_views
from search.api import api as search_api

from . import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # FEIDE (OpenID Connect) through allauth, answering clearly when FEIDE is down.
    path("accounts/oidc/<str:provider_id>/login/", community_views.oidc_login),
    path("accounts/oidc/<str:provider_id>/login/callback/", community_views.oidc_callback),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    # The scripts' strings in the visitor's language; the cache key carries the language.
    path(
        "i18n/js/",
        cache_page(3600)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("api/csrf/", views.csrf_token_view, name="csrf"),
    path("api/quiz/<int:question_id>/check/", views.check_answer, name="quiz_check"),
    path("api/quiz/<int:quiz_id>/submit/", views.submit_quiz, name="quiz_submit"),
    path("api/progress/open/", views.progress_open, name="progress_open"),
    path("", include("community.urls")),
    path("", include("live.urls")),
    path("forum/", include("forums.urls")),
    path("", include("ideabank.urls")),
    path("", include("search.urls")),
    # Outside the app's namespace: django-ninja reverses its own URL names.
    path("api/", search_api.urls),
]

if settings.SERVE_MEDIA:
    from django.urls import re_path

    from .media import serve_media

    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media, name="media")]

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "staffroom.views.page_not_found"
handler500 = "staffroom.views.server_error"
handler403 = "staffroom.views.permission_denied"
handler400 = "staffroom.views.bad_request"
