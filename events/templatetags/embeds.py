"""The embeddable widgets on the pages they come from: the "Embed" disclosure's snippets and the oEmbed
discovery link (events/embeds.py builds both)."""

from django import template
from django.urls import reverse

from .. import embeds

register = template.Library()


@register.inclusion_tag("embed/_share.html", takes_context=True)
def embed_share(context, kind: str, subject_id: int, title: str, teams: int = 0) -> dict:
    """`{% embed_share "match" match.id title %}`: the snippet in each theme, the page's reader picks one."""
    request = context["request"]
    snippets = {theme: embeds.snippet(request, kind, subject_id, title, teams=teams, theme=theme)["html"]
                for theme in embeds.THEMES}
    return {"kind": kind, "snippets": snippets}


@register.inclusion_tag("embed/_oembed_link.html", takes_context=True)
def oembed_link(context, kind: str, subject_id: int, title: str) -> dict:
    """`{% oembed_link "group" group.id title %}` in a page's head: where oEmbed consumers find its widget."""
    page = reverse("match" if kind == "match" else "group", args=[subject_id])
    return {"href": embeds.oembed_url(context["request"], page), "title": title}
