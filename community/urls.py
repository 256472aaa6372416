from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/join/", views.group_join, name="group_join"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<int:group_id>/request/", views.group_request, name="group_request"),
    path("groups/<int:group_id>/requests/<int:request_id>/", views.group_decide, name="group_decide"),
    path("groups/<int:group_id>/invite/", views.group_invite, name="group_invite"),
    path("groups/<int:group_id>/leave/", views.group_leave, name="group_leave"),
    path("groups/<int:group_id>/remove/<int:user_id>/", views.group_remove, name="group_remove"),
    path("groups/<int:group_id>/meeting/", views.group_meeting, name="group_meeting"),
    path("profil/", views.profile_me, name="profile_me"),
    path("profil/eksport/", views.profile_export, name="profile_export"),
    path("profil/<int:user_id>/", views.profile_view, name="profile_view"),
    path("profil/slett/", views.profile_delete, name="profile_delete"),
    path("varsler/", views.notifications, name="notifications"),
]
