"""An organiser settles the order of teams a table leaves level: the rules' last word is theirs.

The table engine never guesses: rows level on everything the centre can decide are flagged
undecided, with the criterion that lacked data (cards of imported matches, a coefficient, the
drawing of lots). The competition decides those by a draw or from its own records; an admin
enters that order here, with the reason, and it is shown in the group's public history.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from live import publish

from ..models import Group, TableSettlement
from ..reads import tables
from .errors import ServiceError


def settle_table_order(*, group_id: int, team_ids: list[int], reason: str, user=None) -> TableSettlement:
    if not reason.strip():
        raise ServiceError(gettext("Say why the teams are in this order (the draw, the organiser's record)."),
                           code="required", field="reason")
    if len(team_ids) < 2 or len(set(team_ids)) != len(team_ids):
        raise ServiceError(
            gettext("Give each of the level teams once, best first."), code="invalid_order", field="teams",
        )
    with transaction.atomic():
        # Only the group row is locked (its stage may be missing: no outer join may be locked on PostgreSQL).
        locked = Group.objects.select_for_update(of=("self",)).select_related("competition", "stage")
        group = locked.filter(pk=group_id).first()
        if group is None:
            raise ServiceError(gettext("No such group."), code="not_found", field="group", status=404)
        blocks = tables.undecided_blocks(group)
        block = next((block for block in blocks if set(block["teams"]) == set(team_ids)), None)
        if block is None:
            level = "; ".join(", ".join(map(str, b["teams"])) for b in blocks) or gettext("none")
            raise ServiceError(
                gettext("These teams are not exactly a set the table leaves level (level now: %(level)s).")
                % {"level": level},
                code="not_level",
                field="teams",
                status=409,
            )
        settlement = TableSettlement.objects.create(
            group=group,
            teams=list(team_ids),
            criterion=block["criterion"] or "",
            reason=reason.strip()[:300],
            user=user if getattr(user, "is_authenticated", False) else None,
        )
        # Every page of the group takes the table again.
        matches = list(group.matches.all())
        transaction.on_commit(lambda: publish.publish_resync(matches))
    return settlement
