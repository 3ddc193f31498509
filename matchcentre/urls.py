from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from events import calendars, embeds, feeds, team_views, views
from events.api import api
from events.service_worker import service_worker

from .health import healthz
from .languages import javascript_catalog, switch_language


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico wherever a page names no icon (a PDF, a JSON answer, an error page):
    send them to the one icon there is, not a 404."""
    return HttpResponseRedirect(static("favicon.svg"))


urlpatterns = [
    # The language switcher posts here (Django's set_language: the django_language cookie).
    path("i18n/setlang/", switch_language, name="set_language"),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("", views.index, name="index"),
    path("my-teams/", views.my_teams, name="my-teams"),
    path("matches/<int:match_id>/", views.match_page, name="match"),
    path("groups/<int:group_id>/", views.group_page, name="group"),
    path("groups/<int:group_id>/matchdays/<int:matchday>/", views.matchday_page, name="matchday"),
    path("matches/<int:match_id>/feed.atom", feeds.match_timeline_feed, name="match-feed"),
    path("competitions/<int:competition_id>/", views.tournament_page, name="competition"),
    path("competitions/<int:competition_id>/calendar.ics", calendars.competition_calendar,
         name="competition-calendar"),
    path("teams/<int:team_id>/calendar.ics", calendars.team_calendar, name="team-calendar"),
    path("competitions/<int:competition_id>/results.atom", feeds.competition_results_feed,
         name="competition-results-feed"),
    path("competitions/<int:competition_id>/bracket/", views.bracket_page, name="bracket"),
    path("competitions/<int:competition_id>/teams/<int:team_id>/", team_views.team_page, name="team"),
    path("embed/matches/<int:match_id>/", embeds.match_widget, name="embed-match"),
    path("embed/groups/<int:group_id>/table/", embeds.group_table_widget, name="embed-group-table"),
    path("oembed", embeds.oembed, name="oembed"),
    path("editor/", views.editor_index, name="editor-index"),
    path("editor/matches/<int:match_id>/", views.editor_console, name="editor-console"),
    path("editor/matches/<int:match_id>/corrections/", views.corrections, name="editor-corrections"),
    path("editor/login/", auth_views.LoginView.as_view(), name="login"),
    path("editor/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("sw.js", service_worker, name="service-worker"),
]
