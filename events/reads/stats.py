"""Match statistics: what editors count with a keypress (shots, shots on target, corners, fouls, offsides).

Each is an event of its own kind, recorded, corrected and removed like any other; the counts are read from
the match's active events, never stored, so a removal or a correction changes them at once. Counting is a
pure function of the events: it runs on the list the commit already holds, with no query of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..models import EventKind


@dataclass(frozen=True)
class Statistic:
    name: str
    label: str  # in the reader's language when a page reads it (lazy)
    kinds: frozenset[str]


# In the order pages show them. A shot on target is one event that counts in both shot lines, so that an
# editor records what happened once and the two figures can never disagree.
STATISTICS = (
    Statistic("shots", _("Shots"), frozenset({EventKind.SHOT, EventKind.SHOT_ON_TARGET})),
    Statistic("shots_on_target", _("Shots on target"), frozenset({EventKind.SHOT_ON_TARGET})),
    Statistic("corners", _("Corners"), frozenset({EventKind.CORNER})),
    Statistic("fouls", _("Fouls"), frozenset({EventKind.FOUL})),
    Statistic("offsides", _("Offsides"), frozenset({EventKind.OFFSIDE})),
)
# What an editor records, in the order the console offers them.
RECORDED_KINDS = (EventKind.SHOT, EventKind.SHOT_ON_TARGET, EventKind.CORNER, EventKind.FOUL, EventKind.OFFSIDE)
STATISTIC_KINDS = frozenset(RECORDED_KINDS)


def match_statistics(*, home_id: int, away_id: int, events: Iterable) -> dict[str, dict[str, int]] | None:
    """Each statistic's count per side, `{"shots": {"home": 3, "away": 1}, …}`, from the active events given.

    None when neither side has any: a match covered without statistics says so, rather than "0 shots".
    """
    sides = {home_id: "home", away_id: "away"}
    tallies: dict[tuple[str, str], int] = {}
    recorded = False
    for event in events:
        side = sides.get(event.team_id)
        if side is None or event.kind not in STATISTIC_KINDS:
            continue
        recorded = True
        for statistic in STATISTICS:
            if event.kind in statistic.kinds:
                tallies[statistic.name, side] = tallies.get((statistic.name, side), 0) + 1
    if not recorded:
        return None
    return {
        statistic.name: {side: tallies.get((statistic.name, side), 0) for side in ("home", "away")}
        for statistic in STATISTICS
    }


def statistics_rows(statistics: dict | None) -> list[dict]:
    """The statistics as a page lists them: label, both counts, and each side's bar as a share of the larger
    count (0-100), the leading side's bar full. Zero counts when none were recorded."""
    rows = []
    for statistic in STATISTICS:
        counts = (statistics or {}).get(statistic.name) or {"home": 0, "away": 0}
        most = max(counts["home"], counts["away"])
        rows.append(
            {
                "name": statistic.name,
                "label": str(statistic.label),
                "home": counts["home"],
                "away": counts["away"],
                "home_share": round(100 * counts["home"] / most) if most else 0,
                "away_share": round(100 * counts["away"] / most) if most else 0,
            }
        )
    return rows
