"""Who is on the pitch, derived from the lineups and the events so far.

Used by the services to validate an event at its minute, and by the console to
offer only the players an event can name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import EventKind, MatchEvent
from .periods import timeline_key

SENDING_OFF_KINDS = frozenset({EventKind.RED_CARD, EventKind.SECOND_YELLOW})


def event_time(event: MatchEvent) -> tuple:
    # An added-time announcement's added_minute is the minutes announced, not when it happened.
    added = None if event.kind == EventKind.ADDED_TIME else event.added_minute
    return timeline_key(event.period, event.minute, added, event.id or 0)


@dataclass
class SideState:
    on_pitch: set[int] = field(default_factory=set)
    unused_substitutes: set[int] = field(default_factory=set)
    substituted_off: set[int] = field(default_factory=set)
    sent_off: set[int] = field(default_factory=set)
    booked: set[int] = field(default_factory=set)
    substitutions_made: int = 0

    def to_dict(self) -> dict:
        return {
            "on_pitch": sorted(self.on_pitch),
            "unused_substitutes": sorted(self.unused_substitutes),
            "substitutions_made": self.substitutions_made,
            "booked": sorted(self.booked),
            "sent_off": sorted(self.sent_off),
        }


def pitch_state(lineup: list[tuple[int, int, bool]], events: list[MatchEvent]) -> dict[int, SideState]:
    """State per team id after `events` (active ones, in time order).

    `lineup` holds (team_id, player_id, starter) for each lineup entry.
    """
    sides: dict[int, SideState] = {}
    for team_id, player_id, starter in lineup:
        side = sides.setdefault(team_id, SideState())
        (side.on_pitch if starter else side.unused_substitutes).add(player_id)
    for event in sorted(events, key=event_time):
        side = sides.get(event.team_id)
        if side is None or event.state != MatchEvent.State.ACTIVE:
            continue
        if event.kind == EventKind.SUBSTITUTION:
            side.on_pitch.discard(event.player_id)
            side.substituted_off.add(event.player_id)
            side.unused_substitutes.discard(event.second_player_id)
            side.on_pitch.add(event.second_player_id)
            side.substitutions_made += 1
        elif event.kind in SENDING_OFF_KINDS:
            side.on_pitch.discard(event.player_id)
            side.sent_off.add(event.player_id)
        elif event.kind == EventKind.YELLOW_CARD:
            side.booked.add(event.player_id)
    return sides
