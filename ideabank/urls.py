from django.urls import path

from . import views

app_name = "ideabank"

urlpatterns = [
    path("idebank/del/", views.submit, name="submit"),
    path("idebank/mine/", views.mine, name="mine"),
    path("idebank/mine/<int:idea_id>/endre/", views.submit, name="edit"),
    path("idebank/ide/<int:idea_id>/provd/", views.tried, name="tried"),
]
