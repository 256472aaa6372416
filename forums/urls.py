from django.urls import path

from . import views

app_name = "forums"

urlpatterns = [
    path("", views.index, name="index"),
    path("moderering/", views.moderation, name="moderation"),
    path("api/mentions", views.mention_autocomplete, name="mentions"),
    path("t/<int:thread_id>/", views.thread, name="thread"),
    path("t/<int:thread_id>/folg/", views.subscribe, name="subscribe"),
    path("t/<int:thread_id>/moderer/", views.moderate_thread, name="moderate_thread"),
    path("innlegg/<int:post_id>/endre/", views.edit_post, name="edit_post"),
    path("innlegg/<int:post_id>/slett/", views.delete_post, name="delete_post"),
    path("innlegg/<int:post_id>/lik/", views.like_post, name="like_post"),
    path("innlegg/<int:post_id>/meld/", views.flag_post, name="flag_post"),
    path("innlegg/<int:post_id>/svar/", views.accept_post, name="accept_post"),
    path("innlegg/<int:post_id>/moderer/", views.moderate_post, name="moderate_post"),
    path("medlem/<int:user_id>/utesteng/", views.ban, name="ban"),
    path("<slug:slug>/", views.category, name="category"),
    path("<slug:slug>/folg/", views.subscribe_category, name="subscribe_category"),
]
