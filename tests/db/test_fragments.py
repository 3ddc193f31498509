"""The markup pushed to fans names the page's shared shapes (templates/events/_symbols.html) instead of
repeating them: each change goes to every fan, and an inline crest per table row was most of its bytes."""

import json
import re

import pytest
from django.template.loader import render_to_string

from events import services
from events.models import Change, EventKind, Match
from live import messages
from tests.factories import make_match, make_user, player

pytestmark = pytest.mark.django_db

SHAPES = re.compile(r"<(?:path|circle|rect|polygon)\b")


def symbols_of(page: str) -> set[str]:
    sprite = re.search(r'<svg class="symbols".*?</svg>', page, re.S)
    assert sprite, "the page has no shared shapes"
    return set(re.findall(r'<symbol id="([^"]+)"', sprite.group(0)))


def references(markup: str) -> set[str]:
    return set(re.findall(r'<use href="#([^"]+)"', markup))


def test_every_event_kind_has_an_icon_shape():
    symbols = symbols_of(render_to_string("events/_symbols.html"))
    for kind in EventKind.values:
        icon = render_to_string("events/_icon.html", {"kind": kind})
        assert references(icon) <= symbols, kind
        assert not SHAPES.search(icon), kind
    assert references(render_to_string("events/_icon.html", {"kind": "something new"})) == {"icon-other"}


def test_a_pushed_goal_names_shapes_every_live_page_has(client):
    match = make_match(kicked_off=True)
    services.record_event(match_id=match.id, kind="goal", minute=9, team_id=match.home_id,
                          player_id=player(match.home, 9).id)
    change = Change.objects.filter(match=match).latest("seq")
    message = json.loads(messages.build_change_text(change, Match.objects.get(pk=match.id)))
    markup = message["html"]["event"] + message["html"]["table"]
    named = references(markup)
    assert {"crest-shield", "icon-goal"} <= named
    assert not SHAPES.search(markup), "a shape drawn inline in pushed markup"

    client.force_login(make_user(role="Editors"))
    for path in (f"/matches/{match.id}/", f"/groups/{match.group_id}/",
                 f"/groups/{match.group_id}/matchdays/{match.matchday}/", f"/editor/matches/{match.id}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert named <= symbols_of(response.content.decode()), path


def test_a_crest_carries_the_teams_colours_and_code():
    match = make_match()
    crest = render_to_string("events/_crest.html", {"team": match.home, "size": "sm"})
    assert f'fill="{match.home.primary_colour}"' in crest and f'stroke="{match.home.secondary_colour}"' in crest
    assert f">{match.home.code.upper()}</text>" in crest
