"""Where league-phase positions lead in the knockout bracket, as the regulations fix it before any draw.

Pure Python, its words through events/wording.py. UEFA's club competitions from 2024-25 (Champions League
regulations 2024/25, Article 19 and Annex B; see docs/knockouts.md): the league phase's positions 9-24 are paired for
the knockout phase play-offs (9/10 v 23/24, 11/12 v 21/22, 13/14 v 19/20, 15/16 v 17/18), and
each play-off's winner meets one of a fixed pair of the top eight in the round of 16 (1/2 v the
winner of 15/16 v 17/18, and so on). Which club of a pair goes where is drawn, so a projection
names both clubs of each pair, never one.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from .wording import gettext

TeamKey = Hashable
Positions = tuple[int, int]


@dataclass(frozen=True, slots=True)
class PlayOffPairing:
    seeded: Positions
    unseeded: Positions

    @property
    def label(self) -> str:
        return gettext("%(seeded)s v %(unseeded)s") % {"seeded": _pair(self.seeded), "unseeded": _pair(self.unseeded)}


@dataclass(frozen=True, slots=True)
class KnockoutFormat:
    name: str
    play_offs: tuple[PlayOffPairing, ...]
    # Per round-of-16 slot pair: the seeded positions, and which play-off's winner they meet.
    round_of_16: tuple[tuple[Positions, int], ...]


LEAGUE_PHASE_2024 = KnockoutFormat(
    name="uefa-league-phase-2024",
    play_offs=(
        PlayOffPairing((9, 10), (23, 24)),
        PlayOffPairing((11, 12), (21, 22)),
        PlayOffPairing((13, 14), (19, 20)),
        PlayOffPairing((15, 16), (17, 18)),
    ),
    round_of_16=(((1, 2), 3), ((3, 4), 2), ((5, 6), 1), ((7, 8), 0)),
)

FORMATS = {LEAGUE_PHASE_2024.name: LEAGUE_PHASE_2024}


def _pair(positions: Positions) -> str:
    return f"{positions[0]}/{positions[1]}"


def projection(format_: KnockoutFormat, order: Sequence[TeamKey]) -> dict:
    """The bracket's feeding positions as the table stands: ``order`` is the table, best first."""

    def teams(positions: Positions) -> list[TeamKey]:
        return [order[position - 1] for position in positions if position <= len(order)]

    play_offs = [
        {
            "label": pairing.label,
            "seeded": {"positions": list(pairing.seeded), "teams": teams(pairing.seeded)},
            "unseeded": {"positions": list(pairing.unseeded), "teams": teams(pairing.unseeded)},
        }
        for pairing in format_.play_offs
    ]
    round_of_16 = []
    for seeded, play_off in format_.round_of_16:
        pairing = format_.play_offs[play_off]
        round_of_16.append(
            {
                "label": gettext("%(places)s v winner of %(play_off)s") % {"places": _pair(seeded),
                                                                             "play_off": pairing.label},
                "seeded": {"positions": list(seeded), "teams": teams(seeded)},
                "opponent_from": pairing.label,
                "possible_opponents": teams(pairing.seeded) + teams(pairing.unseeded),
            }
        )
    return {"play_offs": play_offs, "round_of_16": round_of_16}
