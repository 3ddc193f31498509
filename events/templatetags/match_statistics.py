"""The match statistics in templates: the rows a panel lists, and the kinds an editor records."""

from django import template

from ..models import EventKind
from ..reads import stats

register = template.Library()


@register.simple_tag
def statistics_rows(statistics: dict | None) -> list[dict]:
    """`{% statistics_rows match.statistics as rows %}`: every statistic, in order, with its label and counts."""
    return stats.statistics_rows(statistics)


@register.simple_tag
def statistic_kinds() -> list[tuple[str, str]]:
    """`{% statistic_kinds as kinds %}`: (kind, label) for each statistic an editor records, in order."""
    return [(kind.value, EventKind(kind).label) for kind in stats.RECORDED_KINDS]
