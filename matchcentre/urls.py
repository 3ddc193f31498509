from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from events import views
from events.api import api

from .health import healthz

urlpatterns = [
    path("", views.index, name="index"),
    path("matches/<int:match_id>/", views.match_page, name="match"),
    path("groups/<int:group_id>/", views.group_page, name="group"),
    path("groups/<int:group_id>/matchdays/<int:matchday>/", views.matchday_page, name="matchday"),
    path("editor/", views.editor_index, name="editor-index"),
    path("editor/matches/<int:match_id>/", views.editor_console, name="editor-console"),
    path("editor/matches/<int:match_id>/corrections/", views.corrections, name="editor-corrections"),
    path("editor/login/", auth_views.LoginView.as_view(), name="login"),
    path("editor/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
