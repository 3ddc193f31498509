"""The bracket in templates: whether a competition has one to link to."""

from django import template

from ..models import Stage

register = template.Library()


@register.simple_tag
def has_bracket(competition_id: int) -> bool:
    """`{% has_bracket competition.id as linked %}`: the competition plays knockout rounds."""
    return Stage.objects.filter(competition_id=competition_id, kind=Stage.Kind.KNOCKOUT).exists()
