"""The Django admin: reference data is edited here; match data is shown, and changed only through services."""

from django.contrib import admin

from .models import ApiToken, Change, Competition, Group, LineupEntry, Match, MatchEvent, Player, Team


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    list_display = ["name", "season", "rule_set", "max_substitutions"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "competition"]
    list_filter = ["competition"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "country"]
    search_fields = ["name", "short_name", "code"]


@admin.register(Player)
class PlayerAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "number", "position"]
    list_filter = ["team"]
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Match data is written only by events/services.py, so that every change is logged and broadcast."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineupInline(admin.TabularInline):
    model = LineupEntry
    extra = 0
    can_delete = False
    readonly_fields = ["team", "player", "starter", "order"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "group", "matchday", "status", "period", "home_score", "away_score", "seq"]
    list_filter = ["status", "competition", "group"]
    inlines = [LineupInline]


@admin.register(MatchEvent)
class MatchEventAdmin(ReadOnlyAdmin):
    list_display = ["match", "minute", "added_minute", "kind", "team", "player", "state", "version"]
    list_filter = ["kind", "state"]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["match", "seq", "op", "event", "user", "created_at", "reason"]
    list_filter = ["op"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # Tokens are created with `manage.py create_api_token`, which shows the token once.

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        from . import services

        for token in queryset:
            services.revoke_api_token(token_id=token.id)
