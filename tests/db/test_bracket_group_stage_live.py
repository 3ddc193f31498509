"""The bracket socket follows the World Cup's group stage: a goal in a group match of 2026 that changes which
third-placed teams go through pushes the `group-stage` part (the knockout path and the ranking of thirds as
they now stand) with its group's table, compact; a Champions League group goal pushes nothing there."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from events import services
from events.models import Group, Match, Player
from live import messages
from matchcentre.asgi import application
from tests.db.test_tournament_page import import_world_cup_2026
from tests.factories import make_match, player

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = [(b"origin", b"http://testserver")]
# What one group-stage change may weigh: the pieces of the path it moved (the thirds' table, a few matches)
# with one group's table. Every fan of the bracket or the tournament page gets it, for every change of a group
# match; the whole part (32 matches, 12 thirds, as data and markup) goes only to a page that must start again.
GROUP_STAGE_CHANGE_BYTES = 12 * 1024


def connect(competition_id: int) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/competitions/{competition_id}/bracket/?v=2", headers=ORIGIN)


async def receive_text(communicator) -> str:
    return await communicator.receive_from(timeout=5)


@database_sync_to_async
def egypt_iran_level_late_on():
    """The 2026 World Cup as its file records it, but Egypt v Iran (Group G's last match, 1-1) back to before
    kick-off and then at 1-1 in the second half: Iran third in Group G on 3 points, not among the best thirds."""
    competition = import_world_cup_2026()
    egypt_iran = Match.objects.get(competition=competition, home__name="Egypt", away__name="Iran")
    services.reset_match(match_id=egypt_iran.id)
    services.record_score(match_id=egypt_iran.id, home_goals=1, away_goals=1, period="second_half")
    egypt_iran.refresh_from_db()
    return competition, egypt_iran


@database_sync_to_async
def score(match: Match, home_goals: int, away_goals: int) -> None:
    services.record_score(match_id=match.id, home_goals=home_goals, away_goals=away_goals, period="second_half")


def third_of(group_stage: dict, key: str) -> dict:
    return next(row for row in group_stage["third_placed"]["rows"] if row["group"]["key"] == key)


def away_teams(group_stage: dict, *numbers: int) -> list[str]:
    """The away side's team in each of these knockout matches, as the path stands."""
    sides = {match["number"]: match["away"] for round_ in group_stage["rounds"] for match in round_["matches"]}
    return [sides[number]["team"]["name"] for number in numbers]


@database_sync_to_async
def group_stage_now(competition_id: int) -> dict:
    """The group-stage part as the bracket socket's snapshot would give it now."""
    return messages.bracket_state(competition_id)["bracket"]["group_stage"]


def above_cut(group_stage: dict) -> list[str]:
    return [row["team"]["name"] for row in group_stage["third_placed"]["rows"] if row["above_cut"]]


async def test_a_group_goal_that_changes_the_best_thirds_reaches_the_bracket_socket_with_its_group_table():
    competition, egypt_iran = await egypt_iran_level_late_on()
    group_g = egypt_iran.group_id
    fan = connect(competition.id)
    connected, _ = await fan.connect()
    assert connected
    snapshot = json.loads(await receive_text(fan))
    before = snapshot["bracket"]["group_stage"]
    assert third_of(before, "G")["team"]["name"] == "Iran" and "Iran" not in above_cut(before)
    assert "G" not in before["thirds"]["qualifying"] and before["provisional"]
    assert snapshot["tables"][str(group_g)] == await database_sync_to_async(
        lambda: sum(Match.objects.filter(group_id=group_g).values_list("seq", flat=True)))()

    await score(egypt_iran, 1, 2)  # Iran score late on: Egypt drop to third, on 4 points
    text = await receive_text(fan)
    change = json.loads(text)
    assert (change["type"], change["part"]) == ("change", "group-stage")
    assert (change["match_id"], change["seq"]) == (egypt_iran.id, egypt_iran.seq + 1)
    assert change["version"] == change["base"] + 1 == snapshot["versions"]["group-stage"] + 1
    after = await group_stage_now(competition.id)
    assert third_of(after, "G")["team"]["name"] == "Egypt" and third_of(after, "G")["points"] == 4
    assert "Egypt" in above_cut(after) and len(above_cut(after)) == 8
    assert after["thirds"]["qualifying"] == list("BDEFGJKL") != before["thirds"]["qualifying"]
    dropped = set(above_cut(before)) - set(above_cut(after))
    assert len(dropped) == 1  # one third the goal pushed below the cut line
    # The round of 32 moves: Iran take Egypt's place as Group G's runner-up, Egypt go in as a third, and
    # Belgium (Group G's winners) meet another third.
    assert away_teams(before, 82, 88) == ["Senegal", "Egypt"]
    assert away_teams(after, 82, 85, 88) == ["Algeria", "Egypt", "Iran"]
    # The change carries the pieces the goal moved, not the whole part: the thirds, the matches whose sides
    # moved, and the thirds that now qualify.
    pieces = change["pieces"]
    assert change["root"]["qualifying"] == "BDEFGJKL"
    assert {"third-placed", "bracket-match-82", "bracket-match-85", "bracket-match-88"} <= set(pieces)
    assert len(pieces) < 12
    assert pieces["third-placed"].index("Egypt") < pieces["third-placed"].index("the cut line")
    assert "<strong>Iran</strong>" in pieces["bracket-match-88"]
    # Group G's table, compact: Belgium and Iran on 5 points, then Egypt.
    table = change["table"]
    assert table["group_id"] == group_g and table["version"] == snapshot["tables"][str(group_g)] + 1
    assert f'id="tournament-group-{group_g}"' in table["html"]
    assert table["html"].index(">Iran<") < table["html"].index(">Egypt<")
    assert len(text.encode()) < GROUP_STAGE_CHANGE_BYTES
    assert await fan.receive_nothing(timeout=0.3)

    # A socket opened now starts where the change left the page: the same versions.
    again = connect(competition.id)
    await again.connect()
    fresh = json.loads(await receive_text(again))
    assert fresh["versions"]["group-stage"] == change["version"]
    assert fresh["tables"][str(group_g)] == table["version"]
    assert fresh["tables_html"][str(group_g)] == table["html"]
    assert fresh["bracket"]["group_stage"]["third_placed"] == after["third_placed"]
    await again.disconnect()
    await fan.disconnect()


async def test_each_group_stage_change_has_a_higher_version_whichever_group_it_comes_from():
    competition, egypt_iran = await egypt_iran_level_late_on()

    @database_sync_to_async
    def another_groups_last_match() -> Match:
        other = Group.objects.filter(competition=competition).exclude(pk=egypt_iran.group_id).order_by("name").first()
        match = other.matches.order_by("kickoff", "id").last()
        services.reset_match(match_id=match.id)
        return match

    other = await another_groups_last_match()
    fan = connect(competition.id)
    await fan.connect()
    snapshot = json.loads(await receive_text(fan))
    await score(other, 0, 1)
    await score(egypt_iran, 1, 2)
    first, second = json.loads(await receive_text(fan)), json.loads(await receive_text(fan))
    assert snapshot["versions"]["group-stage"] < first["version"] < second["version"]
    assert second["base"] == first["version"]  # the later change's pieces apply on top of the earlier one's
    assert first["table"]["group_id"] == other.group_id and second["table"]["group_id"] == egypt_iran.group_id
    # The later build holds the earlier change: the other group's goal is in the thirds it ranks.
    now = await group_stage_now(competition.id)
    assert now["third_placed"]["rows"] != snapshot["bracket"]["group_stage"]["third_placed"]["rows"]
    # The reset before the socket opened built nothing: the first change goes whole, the second in pieces.
    assert "html" in first and "pieces" in second
    await fan.disconnect()


async def test_a_change_that_moves_nothing_the_bracket_shows_goes_out_as_its_seq_alone():
    @database_sync_to_async
    def egypt_iran_kicked_off():
        competition = import_world_cup_2026()
        match = Match.objects.select_related("home", "away").get(
            competition=competition, home__name="Egypt", away__name="Iran")
        services.reset_match(match_id=match.id)
        services.record_event(match_id=match.id, kind="period_start")
        egyptian, iranian = (Player.objects.filter(team=team).order_by("id").first() for team in (match.home,
                                                                                                   match.away))
        match.refresh_from_db()
        return competition, match, egyptian, iranian

    competition, match, egyptian, iranian = await egypt_iran_kicked_off()
    fan = connect(competition.id)
    await fan.connect()
    await receive_text(fan)
    # A booking: imported matches carry no cards, so team conduct counts for no one and nothing moves.
    await database_sync_to_async(services.record_event)(
        match_id=match.id, kind="yellow_card", minute=20, team_id=match.home_id, player_id=egyptian.id)
    text = await receive_text(fan)
    booking = json.loads(text)
    assert set(booking) == {"type", "match_id", "seq", "op", "at", "part", "version", "base", "pieces"}
    assert booking["seq"] == match.seq + 1 and booking["pieces"] == {}  # the page moves on to this version
    assert len(text.encode()) < 200
    await database_sync_to_async(services.record_event)(
        match_id=match.id, kind="goal", minute=30, team_id=match.away_id, player_id=iranian.id)
    goal = json.loads(await receive_text(fan))
    assert goal["seq"] == match.seq + 2 and goal["part"] == "group-stage"
    assert goal["table"]["group_id"] == match.group_id
    assert "third-placed" in goal["pieces"]
    assert third_of(await group_stage_now(competition.id), "G")["team"]["name"] == "Egypt"
    await fan.disconnect()


async def test_a_knockout_result_that_decides_a_tie_also_moves_the_path_to_the_final():
    @database_sync_to_async
    def france_sweden_kicked_off():
        competition = import_world_cup_2026()
        match = Match.objects.get(competition=competition, home__name="France", away__name="Sweden")
        services.reset_match(match_id=match.id)  # match 77 (France won it 3-0)
        services.record_score(match_id=match.id, home_goals=0, away_goals=0, period="first_half")
        return competition, match

    def path_match(group_stage: dict, number: int) -> dict:
        return next(m for r in group_stage["rounds"] for m in r["matches"] if m["number"] == number)

    competition, match = await france_sweden_kicked_off()
    fan = connect(competition.id)
    await fan.connect()
    snapshot = json.loads(await receive_text(fan))
    assert path_match(snapshot["bracket"]["group_stage"], 89)["away"] == {
        "source": "W77", "from": "Winner match 77", "team": None, "status": "open", "group": None}
    await score(match, 1, 0)  # a goal: the tie is not decided, the path does not move
    goal = json.loads(await receive_text(fan))
    assert goal["part"] == f"tie-{match.tie_id}" and goal["also"][0]["pieces"] == {}  # nothing of the path moved
    await database_sync_to_async(services.record_score)(
        match_id=match.id, home_goals=1, away_goals=0, period="full_time")
    decided = json.loads(await receive_text(fan))
    assert decided["part"] == f"tie-{match.tie_id}" and decided["tie"]["winner"]["team"]["name"] == "France"
    [path] = decided["also"]
    assert path["part"] == "group-stage" and path["version"] == snapshot["versions"]["group-stage"] + 2
    now = await group_stage_now(competition.id)
    assert path_match(now, 89)["away"]["team"]["name"] == "France"
    assert path_match(now, 89)["home"]["team"]["name"] == "Paraguay"  # match 74's winner
    match_89 = path["pieces"]["bracket-match-89"]
    assert "<strong>Paraguay</strong>" in match_89 and "<strong>France</strong>" in match_89
    await fan.disconnect()


async def test_a_champions_league_group_goal_sends_no_group_stage_part():
    @database_sync_to_async
    def group_match() -> Match:
        return make_match(kicked_off=True)

    match = await group_match()
    fan = connect(match.competition_id)
    await fan.connect()
    snapshot = json.loads(await receive_text(fan))
    assert "group-stage" not in snapshot["versions"] and snapshot["tables"] == {}

    @database_sync_to_async
    def goal() -> None:
        services.record_event(match_id=match.id, kind="goal", minute=10, team_id=match.home_id,
                              player_id=player(match.home, 9).id)

    await goal()
    assert await fan.receive_nothing(timeout=0.5)
    await fan.disconnect()


async def test_a_german_bracket_socket_gets_the_moved_pieces_of_the_path_in_german():
    @database_sync_to_async
    def france_sweden_kicked_off():
        competition = import_world_cup_2026()
        match = Match.objects.get(competition=competition, home__name="France", away__name="Sweden")
        services.reset_match(match_id=match.id)  # match 77 (France won it 3-0)
        services.record_score(match_id=match.id, home_goals=0, away_goals=0, period="first_half")
        return competition, match

    competition, match = await france_sweden_kicked_off()
    english = connect(competition.id)
    german = WebsocketCommunicator(application, f"/ws/competitions/{competition.id}/bracket/?v=2&lang=de",
                                   headers=ORIGIN)
    for fan in (english, german):
        await fan.connect()
    snapshots = [json.loads(await receive_text(fan)) for fan in (english, german)]
    assert snapshots[0]["versions"] == snapshots[1]["versions"]
    assert "Sieger Spiel 77" in snapshots[1]["html"] and "Dritter Gruppe A/B/C/D/F" in snapshots[1]["html"]
    await database_sync_to_async(services.record_score)(
        match_id=match.id, home_goals=1, away_goals=0, period="full_time")
    english_change, german_change = [json.loads(await receive_text(fan)) for fan in (english, german)]
    [english_path], [german_path] = english_change["also"], german_change["also"]
    assert (english_path["version"], english_path["base"]) == (german_path["version"], german_path["base"])
    assert set(english_path["pieces"]) == set(german_path["pieces"]) and "bracket-match-89" in german_path["pieces"]
    assert "Winner match 77" in english_path["pieces"]["bracket-match-89"]
    assert "Sieger Spiel 77" in german_path["pieces"]["bracket-match-89"]
    assert "Spiel 89" in german_path["pieces"]["bracket-match-89"]
    assert german_change["tie"]["state"]["sentence"] != english_change["tie"]["state"]["sentence"]
    for fan in (english, german):
        await fan.disconnect()
