from django.urls import path

from . import views

app_name = "ideabank"

urlpatterns = [
    path("idebank/del/", views.submit, name="submit"),
    path("idebank/mine/", views.mine, name="mine"),
    path("idebank/mine/<int:idea_id>/endre/", views.submit, name="edit"),
    path("idebank/ide/<int:idea_id>/provd/", views.tried, name="tried"),
    path("idebank/ide/<int:idea_id>/lagre/", views.collection_save, name="collection_save"),
    path("idebank/samlinger/", views.collections, name="collections"),
    path("idebank/samlinger/<int:collection_id>/del/", views.collection_share, name="collection_share"),
    path("idebank/samling/<str:token>/", views.collection_shared, name="collection_shared"),
]
