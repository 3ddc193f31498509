"""Results known without events, and whole competitions imported from files."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from live import publish

from ..importer import CompetitionData
from ..models import Change, Competition, Group, Match, Period, Team
from .commit import commit_change, lock_match
from .errors import ServiceError


def record_result(*, match_id: int, home_goals: int, away_goals: int, user=None, announce: bool = True) -> Match:
    """Record the final score of a match followed without events (imports, past results).

    `announce=False` is for batch imports: they send one resync per group at the end
    instead of a table per result.
    """
    if home_goals < 0 or away_goals < 0:
        raise ServiceError("Goals cannot be negative.", code="invalid_score", field="home_goals")
    with transaction.atomic():
        match = lock_match(match_id)
        if match.events.exists():
            raise ServiceError("This match has events; its score comes from them.", code="has_events", status=409)
        if (match.result_only, match.status, match.home_score, match.away_score) == (
            True,
            Match.Status.FINISHED,
            home_goals,
            away_goals,
        ):
            return match
        match.result_only = True
        match.status = Match.Status.FINISHED
        match.period = Period.FULL_TIME
        match.home_score, match.away_score = home_goals, away_goals
        commit_change(match, op=Change.Op.RESULT, event=None, before=None, user=user, derive=False, announce=announce)
        return match


@dataclass(frozen=True)
class ImportSummary:
    competition: Competition
    matches_created: int
    results_recorded: int
    skipped_with_events: int


def import_competition(*, data: CompetitionData) -> ImportSummary:
    """Store an imported competition: groups, teams, fixtures and results. Running it again changes nothing.

    One transaction: a file that fails half-way leaves nothing behind. Matches
    followed live (they have events) keep their events' score.
    """
    with transaction.atomic():
        competition, created = Competition.objects.get_or_create(
            name=data.name, season=data.season, defaults={"rule_set": data.rule_set}
        )
        if not created and competition.rule_set != data.rule_set:
            competition.rule_set = data.rule_set
            competition.save(update_fields=["rule_set"])
        groups: dict[str, Group] = {}
        teams: dict[str, Team] = {}
        created_count = recorded = skipped = 0
        changed_matches: list[Match] = []
        for fixture in data.fixtures:
            group = None
            if fixture.group_name:
                if fixture.group_name not in groups:
                    groups[fixture.group_name], _ = Group.objects.get_or_create(
                        competition=competition, name=fixture.group_name
                    )
                group = groups[fixture.group_name]
            home = teams.get(fixture.home) or _imported_team(fixture.home, fixture.home_country)
            away = teams.get(fixture.away) or _imported_team(fixture.away, fixture.away_country)
            teams[fixture.home], teams[fixture.away] = home, away
            match, match_created = Match.objects.get_or_create(
                competition=competition,
                round_name=fixture.round_name,
                home=home,
                away=away,
                defaults={
                    "group": group,
                    "matchday": fixture.matchday,
                    "kickoff": fixture.kickoff,
                    "extra_time_possible": group is None,
                },
            )
            created_count += match_created
            if not fixture.played:
                continue
            if match.events.exists():
                skipped += 1
                continue
            seq_before = match.seq
            record_result(
                match_id=match.id, home_goals=fixture.home_goals, away_goals=fixture.away_goals, announce=False
            )
            changed = Match.objects.filter(pk=match.id, seq__gt=seq_before).exists()
            recorded += changed
            if changed:
                changed_matches.append(match)
        _number_group_matchdays(groups.values())
        transaction.on_commit(lambda: publish.publish_resync(changed_matches))
        return ImportSummary(competition, created_count, recorded, skipped)


def _imported_team(name: str, country: str) -> Team:
    short_name = name.removesuffix(" FC").removeprefix("FC ").removeprefix("AFC ").strip() or name
    letters = "".join(ch for ch in short_name.upper() if ch.isalpha())
    team, _ = Team.objects.get_or_create(
        name=name, defaults={"short_name": short_name, "code": letters[:3] or "TBD", "country": country}
    )
    return team


def _number_group_matchdays(groups) -> None:
    """Group rounds carry no matchday in the files: number them by date, two matches a day."""
    for group in groups:
        matches = list(group.matches.filter(matchday__isnull=True).order_by("kickoff", "id"))
        dates = sorted({match.kickoff.date() for match in group.matches.all()})
        for match in matches:
            match.matchday = dates.index(match.kickoff.date()) + 1
            match.save(update_fields=["matchday"])
