from django.urls import path

from .consumers import CategoryConsumer, NotificationConsumer, ThreadConsumer

websocket_urlpatterns = [
    path("ws/threads/<int:thread_id>/", ThreadConsumer.as_asgi()),
    path("ws/categories/<int:category_id>/", CategoryConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
