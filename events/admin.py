"""The Django admin: reference data is edited here; match data is shown, and changed only through services."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from . import services
from .models import (
    ApiToken,
    Change,
    Competition,
    EmbedSite,
    Group,
    LineupEntry,
    Match,
    MatchEvent,
    Player,
    TableSettlement,
    Team,
)
from .notifications import admin as notifications_admin  # noqa: F401  (push subscriptions and deliveries)
from .reads import tables
from .services.match_events import FOREIGN_KEY_FIELDS
from .webhooks import admin as webhooks_admin  # noqa: F401  (registers the webhooks and their delivery log)


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
    """Match data is written only by events/services/, so that every change is logged and broadcast."""

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


class MatchEventCorrectionForm(forms.ModelForm):
    correction_reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required. Shown to fans in the match's history.",
    )

    class Meta:
        model = MatchEvent
        fields = [
            "kind",
            "minute",
            "added_minute",
            "team",
            "player",
            "second_player",
            "goal_type",
            "commentary",
            "var_outcome",
            "decision_reason",
        ]


@admin.register(MatchEvent)
class MatchEventAdmin(admin.ModelAdmin):
    """Admins correct events here; the change goes through the same services as everywhere else."""

    list_display = ["match", "minute", "added_minute", "kind", "team", "player", "state", "version"]
    list_filter = ["kind", "state"]
    form = MatchEventCorrectionForm
    readonly_fields = ["state", "state_reason", "version", "reviewed_event", "var_category"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # Nothing is erased: remove an event from the correction page, with a reason.

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("events.correct_match")

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data["correction_reason"]
        changed = [name for name in form.changed_data if name != "correction_reason"]
        try:
            if {"var_outcome", "decision_reason"} & set(changed):
                services.decide_var_check(
                    check_id=obj.pk,
                    user=request.user,
                    decision=form.cleaned_data["var_outcome"],
                    decision_reason=form.cleaned_data["decision_reason"],
                    player_id=obj.player_id,
                    reason=reason,
                )
            elif changed:
                fields = {name: getattr(obj, FOREIGN_KEY_FIELDS.get(name, name)) for name in changed}
                services.amend_event(event_id=obj.pk, user=request.user, changes=fields, reason=reason)
        except services.ServiceError as error:
            request._correction_refused = error.message

    def response_change(self, request, obj):
        refused = getattr(request, "_correction_refused", None)
        if refused:
            self.message_user(request, _("The correction was refused: %(reason)s") % {"reason": refused},
                              level=messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)



class TableSettlementForm(forms.ModelForm):
    """An organiser's order for teams the table leaves level: the group, the teams best first, and why."""

    order = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The level teams, best first, one name per line.",
    )

    class Meta:
        model = TableSettlement
        fields = ["group", "reason"]

    def clean(self):
        cleaned = super().clean()
        group, order = cleaned.get("group"), cleaned.get("order", "")
        if group is None:
            return cleaned
        teams = {team.name.casefold(): team.id for match in group.matches.select_related("home", "away")
                 for team in (match.home, match.away)}
        names = [line.strip() for line in order.splitlines() if line.strip()]
        unknown = [name for name in names if name.casefold() not in teams]
        if unknown:
            self.add_error("order", _("Not a team of %(group)s: %(names)s.") % {
                "group": group.name, "names": ", ".join(unknown)})
            return cleaned
        cleaned["team_ids"] = [teams[name.casefold()] for name in names]
        level = [set(block["teams"]) for block in tables.undecided_blocks(group)]
        if set(cleaned["team_ids"]) not in level:
            self.add_error("order", _("These are not exactly teams the table leaves level (nothing is level now).")
                           if not level else _("These are not exactly teams the table leaves level."))
        return cleaned


@admin.register(TableSettlement)
class TableSettlementAdmin(admin.ModelAdmin):
    """Admins give the order of teams the rules leave level (the draw, the organiser's record); it is shown
    on the group's page with the reason. A settlement is history: to change it, add another."""

    form = TableSettlementForm
    list_display = ["group", "teams", "criterion", "reason", "user", "created_at"]
    list_filter = ["group__competition"]

    def has_add_permission(self, request):
        return request.user.has_perm("events.correct_match")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        settled = services.settle_table_order(
            group_id=form.cleaned_data["group"].id,
            team_ids=form.cleaned_data["team_ids"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        obj.pk = settled.pk


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    """The full audit: who, when, before, after, why."""

    list_display = ["match", "seq", "op", "event", "user", "created_at", "reason"]
    list_filter = ["op", "match"]
    search_fields = ["reason", "user__username"]
    readonly_fields = ["match", "seq", "op", "event", "user", "created_at", "reason", "before", "after", "related"]
    exclude = ["match_state"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("events.view_change")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # Tokens are created with `manage.py create_api_token`, which shows the token once.

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            services.revoke_api_token(token_id=token.id)


@admin.register(EmbedSite)
class EmbedSiteAdmin(admin.ModelAdmin):
    """The publishers whose pages may frame the embeddable widgets (their Content-Security-Policy's
    frame-ancestors); a site switched off is refused at once, its entry kept for the record."""

    list_display = ["origin", "active", "note", "created_at"]
    list_filter = ["active"]
    search_fields = ["origin", "note"]
    readonly_fields = ["created_at"]
