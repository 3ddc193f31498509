"""The websocket endpoints, and the stack every socket goes through before its consumer."""

from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path, re_path

from . import consumers
from .session import WebsocketSessionAuth

websocket_urlpatterns = [
    path("ws/matches/<int:match_id>/", consumers.MatchConsumer.as_asgi()),
    path("ws/editor/matches/<int:match_id>/", consumers.EditorMatchConsumer.as_asgi()),
    path("ws/groups/<int:group_id>/", consumers.GroupConsumer.as_asgi()),
    path("ws/days/<str:days>/", consumers.DayConsumer.as_asgi()),
    path("ws/competitions/<int:competition_id>/bracket/", consumers.BracketConsumer.as_asgi()),
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
    # Last: any other path is refused with 4404 (the router itself would raise: a 500 and a traceback).
    re_path(r"", consumers.UnknownPathConsumer.as_asgi()),
]


def websocket_application():
    """Origin checked against ALLOWED_HOSTS, then the session's user, then the endpoint."""
    return AllowedHostsOriginValidator(WebsocketSessionAuth(URLRouter(websocket_urlpatterns)))
