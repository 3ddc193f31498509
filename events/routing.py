from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/matches/<int:match_id>/", consumers.MatchConsumer.as_asgi()),
    path("ws/editor/matches/<int:match_id>/", consumers.EditorMatchConsumer.as_asgi()),
    path("ws/groups/<int:group_id>/", consumers.GroupConsumer.as_asgi()),
]
