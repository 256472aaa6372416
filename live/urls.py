from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("groups/<int:group_id>/rom/", views.room, name="room"),
    path("groups/<int:group_id>/rom/send/", views.room_send, name="room_send"),
    path("api/rooms/<int:group_id>/messages", views.history_api, name="history"),
]
