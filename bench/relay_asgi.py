"""The benchmark's ASGI app: Staffroom's own routes plus a stock relay consumer
(an AsyncWebsocketConsumer that only group_sends what it receives, no persistence),
served by the same daphne on the same channel layer."""

# isort: off
from staffroom.asgi import application as staffroom_app  # sets up Django first

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from live.routing import websocket_urlpatterns  # noqa: E402
# isort: on


class StockRelay(AsyncWebsocketConsumer):
    async def connect(self):
        self.room = f"relay.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(self.room, {"type": "relay.message", "text": text_data})

    async def relay_message(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter({
    "http": staffroom_app,
    "websocket": AuthMiddlewareStack(URLRouter(
        websocket_urlpatterns + [path("ws/relay/<int:room>/", StockRelay.as_asgi())]
    )),
})
