"""The markup pushed to fans names the page's shared shapes (templates/events/_symbols.html) instead of
repeating them: each change goes to every fan, and an inline crest per table row was most of its bytes."""

import html
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
    sprites = re.findall(r'<svg class="symbols".*?</svg>', page, re.S)
    assert sprites, "the page has no shared shapes"
    return {name for sprite in sprites for name in re.findall(r'<symbol id="([^"]+)"', sprite)}


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
    message = json.loads(messages.fan_change_text(change, messages.state_before(change)))
    table = messages.table_message(messages.locked_group_table(Match.objects.get(pk=match.id)))
    # An event's crest is the team's own, drawn once in each page that shows events.
    event_names = references(message["html"]["event"])
    assert {f"crest-{match.home_id}", "icon-goal"} <= event_names
    assert "crest-shield" in references(table["html"])
    assert not SHAPES.search(message["html"]["event"] + table["html"]), "a shape drawn inline in pushed markup"

    client.force_login(make_user(role="Editors"))
    for path, named in ((f"/matches/{match.id}/", event_names), (f"/groups/{match.group_id}/", {"crest-shield"}),
                        (f"/groups/{match.group_id}/matchdays/{match.matchday}/", event_names),
                        (f"/editor/matches/{match.id}/", event_names)):
        response = client.get(path)
        assert response.status_code == 200, path
        assert named <= symbols_of(response.content.decode()), path


def test_a_crest_carries_the_teams_colours_and_code():
    match = make_match()
    crest = render_to_string("events/_crest.html", {"team": match.home, "size": "sm"})
    assert f'fill="{match.home.primary_colour}"' in crest and f'stroke="{match.home.secondary_colour}"' in crest
    assert f">{match.home.code.upper()}</text>" in crest


# --- scorers under the score, and the running score on each goal row ------------------------------


def goal(match, side: str, number: int, minute: int, kind: str = "goal", added_minute: int | None = None):
    team = match.home if side == "home" else match.away
    return services.record_event(match_id=match.id, kind=kind, minute=minute, added_minute=added_minute,
                                 team_id=team.id, player_id=player(team, number).id).event


def latest_message(match) -> dict:
    change = Change.objects.filter(match=match).latest("seq")
    return json.loads(messages.build_change_text(change, Match.objects.get(pk=match.id)))


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip()


def test_each_change_carries_the_scorers_by_side_with_minutes_penalties_and_own_goals():
    match = make_match(kicked_off=True)
    goal(match, "away", 9, 21)
    goal(match, "home", 10, 45, kind="penalty_goal", added_minute=2)
    goal(match, "home", 4, 44, kind="own_goal")  # a home player's own goal counts for the away side
    message = latest_message(match)

    goals = message["match"]["goals"]
    assert [(g["side"], g["minute_label"], g["kind"], g["score"]) for g in goals] == [
        ("away", "21'", "goal", [0, 1]),
        ("away", "44'", "own_goal", [0, 2]),
        ("home", "45+2'", "penalty_goal", [1, 2]),
    ]
    scorers = message["html"]["scorers"]
    home_list, away_list = re.findall(r'<ul class="scorers__side[^"]*"[^>]*>(.*?)</ul>', scorers, re.S)
    assert text_of(home_list) == f"{player(match.home, 10).short_name} 45+2' pen"
    assert text_of(away_list) == f"{player(match.away, 9).short_name} 21' {player(match.home, 4).short_name} 44' og"
    # The goal's own row says where it left the score.
    assert re.search(r'class="event__score"[^>]*>0–2<', message["html"]["event"])


def test_a_goal_disallowed_by_var_leaves_the_scorers_and_the_running_score_in_the_same_change():
    match = make_match(kicked_off=True)
    first = goal(match, "away", 9, 21)
    second = goal(match, "away", 10, 30)
    check = services.record_event(match_id=match.id, kind="var_check", minute=31, team_id=match.away_id,
                                  reviewed_event_id=first.id, var_category="goal").event
    services.decide_var_check(check_id=check.id, decision="overturned", decision_reason="offside")
    message = latest_message(match)

    assert [(g["event"], g["score"]) for g in message["match"]["goals"]] == [(second.id, [0, 1])]
    assert f">{player(match.away, 9).short_name}<" not in message["html"]["scorers"]
    assert f">{player(match.away, 10).short_name}<" in message["html"]["scorers"]
    (disallowed_html,) = [markup for markup in message["html"]["related"] if f'id="event-{first.id}"' in markup]
    assert 'class="event__score"' not in disallowed_html
    # Fans get the same: the goals that count as the score each made, and the scorers' markup.
    change = Change.objects.filter(match=match).latest("seq")
    fans = json.loads(messages.fan_change_text(change, messages.state_before(change)))
    assert fans["running_scores"] == [[second.id, 0, 1]]
    # Only the away side's goals changed: its list alone, as the whole list has it.
    assert fans["html"]["scorers"].startswith('<ul class="scorers__side scorers__side--away"')
    assert fans["html"]["scorers"] in message["html"]["scorers"]
    assert [event["id"] for event in fans["related"]] == [first.id] and fans["related"][0]["state"] == "disallowed"


def test_the_match_page_renders_the_scorers_and_each_goals_running_score(client):
    match = make_match(kicked_off=True)
    first = goal(match, "home", 9, 12)
    second = goal(match, "away", 9, 40)
    page = client.get(f"/matches/{match.id}/").content.decode()
    scorers = re.search(r'<div class="scorers".*?</div>', page, re.S).group(0)
    assert f">{player(match.home, 9).short_name}<" in scorers and "12'" in text_of(scorers)
    for event, score in ((first, "1–0"), (second, "1–1")):
        row = re.search(rf'<li [^>]*id="event-{event.id}".*?</li>', page, re.S).group(0)
        assert re.search(rf'class="event__score"[^>]*>{score}<', row), row


# --- corrections: only what corrected something, with its date ------------------------------------


def test_a_var_check_that_stands_is_not_a_correction_but_an_overturn_and_a_changed_decision_are():
    match = make_match(kicked_off=True)
    scored = goal(match, "home", 9, 10)
    check = services.record_event(match_id=match.id, kind="var_check", minute=11, team_id=match.home_id,
                                  reviewed_event_id=scored.id, var_category="goal").event
    services.decide_var_check(check_id=check.id, decision="stands")
    assert latest_message(match)["history_entry"] is None
    assert messages.match_snapshot(match.id)["history"] == []

    admin = make_user(role="Admins")
    services.decide_var_check(check_id=check.id, user=admin, decision="overturned", decision_reason="offside",
                              reason="the replay shows the offside")
    entry = latest_message(match)["history_entry"]
    assert entry is not None and "offside" in entry["text"].lower()

    other = goal(match, "away", 9, 20)
    second_check = services.record_event(match_id=match.id, kind="var_check", minute=21, team_id=match.away_id,
                                         reviewed_event_id=other.id, var_category="goal").event
    services.decide_var_check(check_id=second_check.id, decision="overturned", decision_reason="foul")
    assert latest_message(match)["history_entry"] is not None


def test_a_correction_shows_its_date_as_well_as_its_time():
    match = make_match(kicked_off=True)
    scored = goal(match, "home", 9, 10)
    services.remove_event(event_id=scored.id, user=make_user(role="Admins"), reason="recorded twice")
    markup = latest_message(match)["html"]["history_entry"]
    time_tag = re.search(r"<time [^>]*>[^<]*</time>", markup).group(0)
    assert 'data-local="datetime"' in time_tag
    assert re.search(r">\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<", time_tag), time_tag
