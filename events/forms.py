"""Forms for corrections: the editor area's correction page and the Django admin use the same ones."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EventKind, MatchEvent, Player

CORRECTABLE_KINDS = [
    (kind.value, kind.label)
    for kind in EventKind
    if kind not in (EventKind.PERIOD_START, EventKind.PERIOD_END, EventKind.ADDED_TIME, EventKind.VAR_CHECK)
]


class EventCorrectionForm(forms.Form):
    """Correct one event of a match: what it was, when, who. A reason is always required."""

    kind = forms.ChoiceField(choices=CORRECTABLE_KINDS, label=_("Event"))
    minute = forms.IntegerField(min_value=1, max_value=120, label=_("Minute"))
    added_minute = forms.IntegerField(min_value=1, max_value=30, required=False, label=_("Added time"))
    player = forms.ModelChoiceField(queryset=Player.objects.none(), required=False, label=_("Player"))
    second_player = forms.ModelChoiceField(
        queryset=Player.objects.none(), required=False, label=_("Assist or player coming on")
    )
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=_("Shown to fans with the correction."),
    )

    def __init__(self, *args, event: MatchEvent, **kwargs):
        initial = {
            "kind": event.kind,
            "minute": event.minute,
            "added_minute": event.added_minute,
            "player": event.player_id,
            "second_player": event.second_player_id,
        }
        super().__init__(*args, initial=initial, **kwargs)
        players = (
            Player.objects.filter(lineupentry__match=event.match_id)
            .select_related("team")
            .order_by("team__name", "number")
        )
        self.fields["player"].queryset = players
        self.fields["second_player"].queryset = players
        self.event = event

    def changes(self) -> dict:
        """Only what the admin changed, in the service's terms (a player's team comes with the player)."""
        data = self.cleaned_data
        changes = {}
        for name in ("kind", "minute", "added_minute"):
            if data[name] != getattr(self.event, name):
                changes[name] = data[name]
        for name in ("player", "second_player"):
            chosen = data[name].id if data[name] else None
            if chosen != getattr(self.event, f"{name}_id"):
                changes[name] = chosen
        if data["player"] and data["player"].team_id != self.event.team_id:
            changes["team"] = data["player"].team_id
        return changes


class VarDecisionForm(forms.Form):
    """Change the decision of a VAR check (an admin's correction)."""

    decision = forms.ChoiceField(
        choices=[
            (MatchEvent.VarOutcome.STANDS, MatchEvent.VarOutcome.STANDS.label),
            (MatchEvent.VarOutcome.OVERTURNED, MatchEvent.VarOutcome.OVERTURNED.label),
        ],
        label=_("Decision"),
    )
    decision_reason = forms.ChoiceField(
        choices=MatchEvent.DecisionReason.choices, required=False, label=_("Reason for the decision")
    )
    player = forms.ModelChoiceField(
        queryset=Player.objects.none(),
        required=False,
        label=_("Player"),
        help_text=_("For an overturn that names a player (mistaken identity, a goal or red card given on review)."),
    )
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=_("Shown to fans with the correction."),
    )

    def __init__(self, *args, check: MatchEvent, **kwargs):
        initial = {"decision": check.var_outcome, "decision_reason": check.decision_reason}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["player"].queryset = Player.objects.filter(lineupentry__match=check.match_id).order_by(
            "team__name", "number"
        )
        self.check = check


class RemovalForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))
