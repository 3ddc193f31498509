"""Match data. Every write goes through events/services/; nothing here saves itself."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Competition(models.Model):
    name = models.CharField(max_length=120)
    season = models.CharField(max_length=20)
    # Name of a rule set in events.standings.RULE_SETS.
    rule_set = models.CharField(max_length=40, default="uefa-2019")
    max_substitutions = models.PositiveSmallIntegerField(default=3)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "season"], name="unique_competition_season")]
        ordering = ["-season", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.season}"


class Stage(models.Model):
    """One part of a competition's format, played in order: groups, a league phase, a knockout round."""

    class Kind(models.TextChoices):
        GROUPS = "groups", _("Group stage")
        LEAGUE = "league", _("League phase")
        KNOCKOUT = "knockout", _("Knockout round")

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=0)
    # Name of a rule set in events.standings.RULE_SETS; blank: the competition's.
    rule_set = models.CharField(max_length=40, blank=True)
    # Knockout rounds: legs per tie (a final is played once).
    legs = models.PositiveSmallIntegerField(default=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["competition", "name"], name="unique_stage_name")]
        ordering = ["competition", "order", "id"]

    def __str__(self) -> str:
        return f"{self.competition} {self.name}"

    @property
    def rule_set_name(self) -> str:
        return self.rule_set or self.competition.rule_set


class Group(models.Model):
    """A table: a group of four, or a whole league phase of 36 teams."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="groups")
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["competition", "name"], name="unique_group_name")]
        ordering = ["competition", "name"]

    def __str__(self) -> str:
        return f"{self.competition} {self.name}"

    @property
    def rule_set_name(self) -> str:
        """The rule set its table is ranked by: its stage's, or else the competition's."""
        if self.stage_id is not None and self.stage.rule_set:
            return self.stage.rule_set
        return self.competition.rule_set


class TableSettlement(models.Model):
    """The order an organiser gave teams a table left level on everything the centre can decide
    (drawing of lots, cards it never recorded); public, with who decided, when and why."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="settlements")
    # Team ids, best first: exactly the teams that were level.
    teams = models.JSONField()
    # The criterion the data could not decide ("disciplinary points", "drawing of lots").
    criterion = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=300)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.group}: {self.teams}"


class Team(models.Model):
    name = models.CharField(max_length=80, unique=True)
    short_name = models.CharField(max_length=40)
    code = models.CharField(max_length=3)
    country = models.CharField(max_length=3, blank=True)
    # Our own colours for the crest badge; no trademarked logos.
    primary_colour = models.CharField(max_length=7, default="#334155")
    secondary_colour = models.CharField(max_length=7, default="#ffffff")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Player(models.Model):
    class Position(models.TextChoices):
        GOALKEEPER = "GK", _("Goalkeeper")
        DEFENDER = "DF", _("Defender")
        MIDFIELDER = "MF", _("Midfielder")
        FORWARD = "FW", _("Forward")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="players")
    name = models.CharField(max_length=80)
    short_name = models.CharField(max_length=40)
    # Unknown for players the centre only knows from an imported record (a scorer in a results file):
    # shown as "no number", never made up.
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.CharField(max_length=2, choices=Position.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_player_name")]
        ordering = ["team", "number"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})" if self.number is not None else self.name


class Period(models.TextChoices):
    PRE_MATCH = "pre_match", _("Not started")
    FIRST_HALF = "first_half", _("First half")
    HALF_TIME = "half_time", _("Half-time")
    SECOND_HALF = "second_half", _("Second half")
    BEFORE_EXTRA_TIME = "before_extra_time", _("Before extra time")
    EXTRA_TIME_FIRST_HALF = "extra_time_first_half", _("Extra time, first half")
    EXTRA_TIME_HALF_TIME = "extra_time_half_time", _("Extra time, half-time")
    EXTRA_TIME_SECOND_HALF = "extra_time_second_half", _("Extra time, second half")
    BEFORE_PENALTIES = "before_penalties", _("Before penalties")
    PENALTIES = "penalties", _("Penalties")
    FULL_TIME = "full_time", _("Full time")


class Tie(models.Model):
    """Two teams over one or two legs in a knockout round; the winner goes on to ``next_tie``."""

    class Side(models.TextChoices):
        A = "a", _("First-leg home side")
        B = "b", _("First-leg away side")

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="ties")
    # Its place in the round, top to bottom of the bracket.
    number = models.PositiveSmallIntegerField()
    team_a = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team_b = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Where a side not known yet comes from ("League phase 9-10 / play-off winner").
    team_a_source = models.CharField(max_length=120, blank=True)
    team_b_source = models.CharField(max_length=120, blank=True)
    next_tie = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="feeders")
    next_side = models.CharField(max_length=1, choices=Side.choices, blank=True)
    # When the record cannot decide the tie (a shootout the data lost), an admin says who went through, and why.
    settled_winner = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    settled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stage", "number"], name="unique_tie_number")]
        ordering = ["stage", "number"]

    def __str__(self) -> str:
        return f"{self.stage.name} tie {self.number}"


class Match(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        FINISHED = "finished", _("Finished")
        POSTPONED = "postponed", _("Postponed")

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="matches")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    round_name = models.CharField(max_length=60, blank=True)
    matchday = models.PositiveSmallIntegerField(null=True, blank=True)
    tie = models.ForeignKey(Tie, null=True, blank=True, on_delete=models.SET_NULL, related_name="legs")
    leg = models.PositiveSmallIntegerField(null=True, blank=True)
    home = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="home_matches")
    away = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="away_matches")
    kickoff = models.DateTimeField()
    venue = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    period = models.CharField(max_length=24, choices=Period.choices, default=Period.PRE_MATCH)
    # Knockout ties go to extra time and penalties when level; group matches never do.
    extra_time_possible = models.BooleanField(default=False)
    # The clock: when the current period started, and how fast the clock runs
    # (1.0 live; a replay in compressed time runs it faster).
    period_started_at = models.DateTimeField(null=True, blank=True)
    clock_speed = models.FloatField(default=1.0)
    announced_added_time = models.PositiveSmallIntegerField(null=True, blank=True)
    # A cache kept right by the services: derived from the goal events, or, for a
    # match we only know the result of (imports), the recorded result.
    home_score = models.PositiveSmallIntegerField(default=0)
    away_score = models.PositiveSmallIntegerField(default=0)
    result_only = models.BooleanField(default=False)
    # Of home_score/away_score, the goals scored in extra time (kept right by the services like the score).
    extra_time_played = models.BooleanField(default=False)
    home_extra_time_goals = models.PositiveSmallIntegerField(default=0)
    away_extra_time_goals = models.PositiveSmallIntegerField(default=0)
    # The shootout, apart from the score: derived from the kicks, or recorded with a result.
    home_penalties = models.PositiveSmallIntegerField(null=True, blank=True)
    away_penalties = models.PositiveSmallIntegerField(null=True, blank=True)
    # Last sequence number handed out for this match's changes.
    seq = models.PositiveIntegerField(default=0)
    # How often the kick-off or venue moved (services.reschedule_match): the SEQUENCE of the match's
    # calendar event (RFC 5545), so that subscribed calendars update the event they hold.
    schedule_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kickoff", "id"]
        verbose_name_plural = "matches"
        permissions = [("correct_match", "Can correct a finished match or a VAR decision")]
        constraints = [
            models.CheckConstraint(condition=~Q(home=models.F("away")), name="match_teams_differ"),
        ]

    def __str__(self) -> str:
        return f"{self.home} v {self.away} ({self.kickoff:%Y-%m-%d})"


class LineupEntry(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="lineup")
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    player = models.ForeignKey(Player, on_delete=models.CASCADE)
    starter = models.BooleanField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["match", "player"], name="unique_lineup_player")]
        ordering = ["match", "team", "-starter", "order"]
        verbose_name_plural = "lineup entries"

    def __str__(self) -> str:
        return f"{self.player_id} ({'XI' if self.starter else 'bench'})"


class EventKind(models.TextChoices):
    GOAL = "goal", _("Goal")
    OWN_GOAL = "own_goal", _("Own goal")
    PENALTY_GOAL = "penalty_goal", _("Penalty goal")
    MISSED_PENALTY = "missed_penalty", _("Missed penalty")
    YELLOW_CARD = "yellow_card", _("Yellow card")
    SECOND_YELLOW = "second_yellow", _("Second yellow card")
    RED_CARD = "red_card", _("Red card")
    SUBSTITUTION = "substitution", _("Substitution")
    INJURY = "injury", _("Injury")
    PENALTY_AWARDED = "penalty_awarded", _("Penalty awarded")
    VAR_CHECK = "var_check", _("VAR check")
    PERIOD_START = "period_start", _("Period start")
    PERIOD_END = "period_end", _("Period end")
    ADDED_TIME = "added_time", _("Added time")
    SHOOTOUT_KICK = "shootout_kick", _("Shootout kick")
    # Counted, not narrated: the match statistics (events/reads/stats.py). A shot on target is
    # recorded once, as itself, and counts as a shot too.
    SHOT = "shot", _("Shot")
    SHOT_ON_TARGET = "shot_on_target", _("Shot on target")
    CORNER = "corner", _("Corner")
    FOUL = "foul", _("Foul")
    OFFSIDE = "offside", _("Offside")


GOAL_KINDS = frozenset({EventKind.GOAL, EventKind.OWN_GOAL, EventKind.PENALTY_GOAL})


class MatchEvent(models.Model):
    class GoalType(models.TextChoices):
        NONE = "", "—"
        OPEN_PLAY = "open_play", _("Open play")
        HEADER = "header", _("Header")
        FREE_KICK = "free_kick", _("Free kick")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")
        DISALLOWED = "disallowed", _("Disallowed")
        # A shootout kick the referee ordered taken again: the retake counts instead.
        RETAKEN = "retaken", _("Retaken")

    class KickOutcome(models.TextChoices):
        NONE = "", "—"
        SCORED = "scored", _("Scored")
        SAVED = "saved", _("Saved")
        MISSED = "missed", _("Missed")

    class VarCategory(models.TextChoices):
        # The four decisions the IFAB protocol lets VAR review.
        NONE = "", "—"
        GOAL = "goal", _("Goal / no goal")
        PENALTY = "penalty", _("Penalty / no penalty")
        RED_CARD = "red_card", _("Direct red card")
        MISTAKEN_IDENTITY = "mistaken_identity", _("Mistaken identity")

    class VarOutcome(models.TextChoices):
        NONE = "", "—"
        IN_PROGRESS = "in_progress", _("Check in progress")
        ON_FIELD_REVIEW = "on_field_review", _("On-field review")
        STANDS = "stands", _("Decision stands")
        OVERTURNED = "overturned", _("Decision overturned")

    class DecisionReason(models.TextChoices):
        NONE = "", "—"
        OFFSIDE = "offside", _("offside")
        FOUL = "foul", _("foul in the build-up")
        HANDBALL = "handball", _("handball")
        BALL_OUT_OF_PLAY = "ball_out_of_play", _("ball out of play")
        FOUL_IN_THE_AREA = "foul_in_the_area", _("foul in the penalty area")
        NO_FOUL = "no_foul", _("no foul")
        SERIOUS_FOUL_PLAY = "serious_foul_play", _("serious foul play")
        VIOLENT_CONDUCT = "violent_conduct", _("violent conduct")
        DENIAL_OF_GOAL = "denial_of_goal", _("denial of an obvious goal-scoring opportunity")
        NOT_A_RED_CARD = "not_a_red_card", _("not a red-card offence")
        MISTAKEN_IDENTITY = "mistaken_identity", _("mistaken identity")
        CLEAR_ERROR = "clear_error", _("clear and obvious error")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    # For period events, the period started or ended; for the rest, the period the minute falls in.
    period = models.CharField(max_length=24, choices=Period.choices)
    minute = models.PositiveSmallIntegerField()
    # Minutes past the end of the period (45+2 is minute 45, added 2); for
    # `added_time` events, the minutes announced.
    added_minute = models.PositiveSmallIntegerField(null=True, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    player = models.ForeignKey(Player, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The assist for a goal, the player coming on for a substitution.
    second_player = models.ForeignKey(Player, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    goal_type = models.CharField(max_length=12, choices=GoalType.choices, blank=True, default="")
    injury = models.BooleanField(default=False, help_text="Substitution forced by injury")
    kick_outcome = models.CharField(max_length=8, choices=KickOutcome.choices, blank=True, default="")
    # A VAR check reviews one incident of the same match.
    reviewed_event = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews")
    var_category = models.CharField(max_length=20, choices=VarCategory.choices, blank=True, default="")
    var_outcome = models.CharField(max_length=16, choices=VarOutcome.choices, blank=True, default="")
    # What is being checked ("possible offside"), and why the decision went as it did.
    var_reason = models.CharField(max_length=200, blank=True)
    decision_reason = models.CharField(max_length=20, choices=DecisionReason.choices, blank=True, default="")
    # What an overturn did to the match, so that a corrected decision can undo it exactly.
    var_consequence = models.JSONField(null=True, blank=True)
    commentary = models.TextField(blank=True, max_length=2000)
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    # Why the event no longer counts ("Goal disallowed after VAR review: offside").
    state_reason = models.CharField(max_length=200, blank=True)
    # Bumped by every amendment, so that a stale edit can be refused.
    version = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(max_length=64, blank=True)
    # What the submission asked for, hashed: a key sent again with another request is refused.
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["match", "minute", "added_minute", "id"]
        constraints = [
            # A key is the submitting user's own: two editors cannot collide, or read each other's results.
            models.UniqueConstraint(
                fields=["match", "created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="unique_event_idempotency_key_per_user",
            ),
        ]
        indexes = [models.Index(fields=["match", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.minute}' ({self.match_id})"


class Change(models.Model):
    """Append-only log of every change to a match, one row per sequence number."""

    class Op(models.TextChoices):
        ADD = "add", _("Added")
        UPDATE = "update", _("Updated")
        REMOVE = "remove", _("Removed")
        RESULT = "result", _("Result recorded")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="changes")
    seq = models.PositiveIntegerField()
    op = models.CharField(max_length=10, choices=Op.choices)
    event = models.ForeignKey(MatchEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # Other events the same change altered (a VAR overturn disallows the goal it reviewed).
    related = models.JSONField(default=list, blank=True)
    # The match as it stood after this change (score, period, clock), so that a
    # replayed change carries the same facts as the live one did.
    match_state = models.JSONField()
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["match", "seq"]
        constraints = [models.UniqueConstraint(fields=["match", "seq"], name="unique_change_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.op} ({self.match_id})"


class ApiToken(models.Model):
    """A per-user bearer token for API clients; only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def hash(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()


class FollowedTeam(models.Model):
    """A team a signed-in user follows, kept so that their choice goes with them to every device (visitors who
    are not signed in keep theirs in the browser alone)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_teams")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="follow_team_once")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} follows {self.team}"


class EmbedSite(models.Model):
    """A publisher's site allowed to frame the embeddable widgets (their pages' frame-ancestors). An origin
    only: a scheme and a host with an optional port, or `https://*.example.org` for every subdomain."""

    origin = models.CharField(
        max_length=255,
        unique=True,
        help_text="Scheme and host, with a port if it is not the default: https://news.example, "
        "https://*.news.example for its subdomains. No path.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Who this is and why, for the next admin.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["origin"]

    def __str__(self) -> str:
        return self.origin

    def clean(self) -> None:
        from .embed_origins import normalize_origin

        self.origin = normalize_origin(self.origin)


# --- webhooks: newsrooms' URLs that receive every change of chosen competitions (docs/webhooks.md) ---------------


def webhook_secret() -> str:
    """A new webhook's signing secret: 32 random bytes, as hex."""
    return secrets.token_hex(32)


class Webhook(models.Model):
    """A receiver's URL, sent every change of the chosen competitions, each signed with this webhook's secret."""

    url = models.URLField(max_length=500, help_text="Where each change is POSTed: http or https.")
    description = models.CharField(max_length=200, blank=True, help_text="Who receives this, for the next admin.")
    # Generated when the webhook is created; the receiver verifies signatures with it.
    secret = models.CharField(max_length=64, default=webhook_secret, editable=False)
    competitions = models.ManyToManyField(Competition, related_name="webhooks")
    active = models.BooleanField(default=True, help_text="Switched off, it gets nothing more, not even retries.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    """One change (or a test) for one webhook: the outbox row written with the change, and its delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    match = models.ForeignKey(Match, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField(default=0)
    # A match's reset deletes its change log: the log of what was sent stays, with its payload.
    change = models.ForeignKey(Change, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # The task queue's job for the next attempt: the sweep re-enqueues a due delivery whose job is gone.
    job_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["webhook", "change"], name="unique_webhook_delivery")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"#{self.pk} to {self.webhook_id} (seq {self.seq})"


# --- Web Push: browsers that asked to be notified of their followed teams' matches (docs/notifications.md) -------


class PushSubscription(models.Model):
    """A browser's push subscription (the PushSubscription its push service gave it) and the teams it follows.

    No account is needed: the endpoint is the browser's own unguessable address at its push service, and whoever
    holds it may change or drop the subscription."""

    endpoint = models.URLField(max_length=1000, unique=True)
    # The browser's P-256 public key and authentication secret (RFC 8291), base64url as the browser gives them.
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    teams = models.ManyToManyField(Team, related_name="push_subscriptions")
    # The viewer's spoiler delay: each notification is sent this many seconds after its change.
    delay_seconds = models.PositiveSmallIntegerField(default=0)
    # The page's language, for the notifications' words.
    language = models.CharField(max_length=16, blank=True)
    active = models.BooleanField(default=True)
    # Consecutive failed sends; a push service's 404 or 410 (the subscription is gone) ends it at once.
    failures = models.PositiveSmallIntegerField(default=0)
    deactivated_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Push subscription #{self.pk}"


class PushAnnouncement(models.Model):
    """A change that notifies followed teams' browsers, waiting for the task queue to write a delivery for each of
    them: the one outbox row the change's own transaction writes, however many browsers follow its teams."""

    change = models.OneToOneField(Change, on_delete=models.CASCADE, related_name="push_announcement")
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="+")
    job_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Held by the job writing its deliveries; a job killed mid-way lets it go when this passes.
    claimed_until = models.DateTimeField(null=True, blank=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["fanned_out_at", "created_at"], name="push_announcement_due")]

    def __str__(self) -> str:
        return f"Push announcement of change {self.change_id}"


class PushDelivery(models.Model):
    """One notification for one subscription: the outbox row written with its change, and its delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        # A newer notification with the same tag (a goal disallowed) was due before this one went out: only the
        # newer one is sent, it would replace this one on the screen anyway.
        SUPERSEDED = "superseded", _("Superseded")
        FAILED = "failed", _("Failed")
        # The subscription is gone (its push service said 404 or 410, or it was unsubscribed).
        EXPIRED = "expired", _("Expired")

    subscription = models.ForeignKey(PushSubscription, on_delete=models.CASCADE, related_name="deliveries")
    match = models.ForeignKey(Match, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField(default=0)
    change = models.ForeignKey(Change, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The notification's tag (event-<id>): a later notification with the same tag replaces it on the screen.
    tag = models.CharField(max_length=64)
    payload = models.JSONField()
    urgency = models.CharField(max_length=10, default="normal")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    job_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "push deliveries"
        constraints = [models.UniqueConstraint(fields=["subscription", "change"], name="unique_push_delivery")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="push_delivery_due"),
            models.Index(fields=["subscription", "sent_at"], name="push_delivery_sent"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} to subscription {self.subscription_id} ({self.tag})"
