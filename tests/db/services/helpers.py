"""Recording events through the services in a few words, and expecting a refusal."""

import pytest

from events import services
from events.services import ServiceError
from tests.factories import player


def goal(match, team, number, minute=10, **extra):
    return services.record_event(
        match_id=match.id, kind=extra.pop("kind", "goal"), minute=minute, team_id=team.id,
        player_id=player(team, number).id, **extra,
    )


def substitution(match, team, off, on, minute=60, **extra):
    return services.record_event(
        match_id=match.id, kind="substitution", minute=minute, team_id=team.id,
        player_id=player(team, off).id, second_player_id=player(team, on).id, **extra,
    )


def refused(code, call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value
