"""The group table in the reader's language: its notes, titles and form on the page, and in every live update
(the same rows, version and base in each language, only the words differ)."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from events import fragments, services, standings
from events.reads import tables
from live import messages
from live.protocol import group_feed, languages, match_feed, table_feed
from tests.conftest import LayerListener
from tests.factories import make_match, make_team

pytestmark = pytest.mark.django_db


def row_of(table: dict, short_name: str) -> dict:
    return next(row for row in table["rows"] if row["team"]["short_name"] == short_name)


@pytest.fixture
def level_pair():
    """Alpha and Bravo, level on points after two matches (2-0, 0-1): Alpha ahead on head-to-head goal
    difference. A third match between them, not played yet, is returned."""
    alpha, bravo = make_team("Alpha"), make_team("Bravo")
    first = make_match(home=alpha, away=bravo, with_lineups=False)
    second = make_match(home=bravo, away=alpha, group=first.group, with_lineups=False, matchday=2,
                        kickoff=first.kickoff + timedelta(days=7))
    third = make_match(home=alpha, away=bravo, group=first.group, with_lineups=False, matchday=3,
                       kickoff=first.kickoff + timedelta(days=14))
    services.record_result(match_id=first.id, home_goals=2, away_goals=0)
    services.record_result(match_id=second.id, home_goals=1, away_goals=0)
    messages.forget_tables([first.group_id])  # the next change sends the table whole
    return third


def test_a_table_kept_for_one_language_is_read_in_another_without_being_built_again(level_pair):
    group = level_pair.group
    with translation.override("en"):
        english = row_of(tables.group_tables([group])[group.id], "Alpha")
        tables._cache_tables({f"table:{group.id}:{tables._group_states([group.id])[group.id]}":
                              tables.group_table(group)})  # kept, as the commit would
        with CaptureQueriesContext(connection) as english_again:
            tables.group_tables([group])
    with translation.override("de"), CaptureQueriesContext(connection) as in_german:
        german = row_of(tables.group_tables([group])[group.id], "Alpha")
    assert len(in_german) == len(english_again)  # the kept table, its words put in German
    assert english["note"] == "ahead on head-to-head goal difference"
    assert german["note"] == "vorn durch: Tordifferenz im direkten Vergleich"
    assert [result["letter"] for result in german["form"]] == ["S", "N"]


def test_a_rows_note_title_and_form_are_in_the_readers_language(level_pair):
    with translation.override("en"):
        english = row_of(tables.group_table(level_pair.group), "Alpha")
    with translation.override("de"):
        german = row_of(tables.group_table(level_pair.group), "Alpha")
        html = fragments.table_html(tables.group_table(level_pair.group))
    assert english["note"] == "ahead on head-to-head goal difference"
    assert german["note"] == "vorn durch: Tordifferenz im direkten Vergleich"
    assert german["title"] == "Vor dem nächsten Team durch: Tordifferenz im direkten Vergleich"
    assert [(result["letter"], result["label"]) for result in english["form"]] == [
        ("W", "Won 2-0 v Bravo"), ("L", "Lost 0-1 v Bravo")]
    assert [(result["letter"], result["label"]) for result in german["form"]] == [
        ("S", "2-0-Sieg gegen Bravo"), ("N", "0-1-Niederlage gegen Bravo")]
    assert [result["result"] for result in german["form"]] == ["W", "L"]  # the classes stay the same
    assert ">vorn durch: Tordifferenz im direkten Vergleich<" in html and 'title="2-0-Sieg gegen Bravo"' in html
    assert '<span aria-hidden="true">S</span>' in html and "ahead on" not in html
    assert "Wertung: UEFA-Gruppenphase 2019-20 (Auswärtstore)" in html


def test_a_predicted_score_says_so_in_the_readers_language(level_pair):
    with translation.override("it"):
        table = tables.group_table(level_pair.group, {level_pair.id: (3, 3)})
    assert row_of(table, "Alpha")["form"][-1]["label"] == "Pareggiata 3-3 contro Bravo (il tuo risultato)"


def test_an_undecided_row_names_what_is_not_known_in_the_readers_language():
    row = {"decided_by": None, "undecided": True, "undecided_at": standings.DISCIPLINARY.label}
    with translation.override("es"):
        note, title = tables.row_note(row)
    assert note == "igualados: orden sin decidir (puntos disciplinarios sin conocer)"
    assert title == "Igualado con el siguiente equipo en todos los criterios que ya se pueden decidir"


def test_an_organisers_order_is_named_in_the_readers_language():
    row = {"decided_by": tables.ORGANISERS_DECISION, "undecided": False}
    with translation.override("nl"):
        assert tables.row_note(row)[0] == "voor op beslissing van de organisator"


def test_every_criterion_of_every_rule_set_has_a_name_in_each_language():
    labels = {criterion.label for rules in standings.RULE_SETS.values() for criterion in rules.criteria}
    labels.add(tables.ORGANISERS_DECISION)
    for language in languages()[1:]:
        with translation.override(language):
            untranslated = {label for label in labels if tables.criterion_name(label) == label}
        assert not untranslated, (language, untranslated)


def test_a_table_cached_in_one_language_is_read_in_another(level_pair):
    with translation.override("en"):
        tables.group_tables([level_pair.group])  # built and kept in English
    with translation.override("de"):
        german = tables.group_tables([level_pair.group])[level_pair.group_id]
    assert row_of(german, "Alpha")["note"] == "vorn durch: Tordifferenz im direkten Vergleich"


def table_texts(group) -> dict[str, LayerListener]:
    return {language: LayerListener(table_feed(group.id, language)) for language in languages()}


def test_a_table_update_carries_the_german_words_with_the_same_rows_version_and_base(
    level_pair, django_capture_on_commit_callbacks
):
    group = level_pair.group
    fourth = make_match(home=level_pair.away, away=level_pair.home, group=group, with_lineups=False, matchday=4,
                        kickoff=level_pair.kickoff + timedelta(days=7))
    # A first change sends the table whole (nothing to compare with yet), then each change what it moved.
    with django_capture_on_commit_callbacks(execute=True):
        services.record_result(match_id=level_pair.id, home_goals=1, away_goals=1)
    listeners = table_texts(group)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_result(match_id=fourth.id, home_goals=3, away_goals=0)
    [english], [german] = listeners["en"].messages(), listeners["de"].messages()
    assert english["type"] == german["type"] == "table" and "html" not in german
    assert (english["version"], english["base"], english.get("moved")) == (german["version"], german["base"],
                                                                             german.get("moved"))
    strip = lambda rows: [{k: v for k, v in row.items() if k not in ("notes", "form")} for row in rows]  # noqa: E731
    assert strip(english["rows"]) == strip(german["rows"])
    bravo = next(row for row in german["rows"] if row["team"] == level_pair.away_id)
    assert bravo["notes"][1] == "Vor dem nächsten Team durch: Punkte"
    assert "3-0-Sieg gegen Alpha" in bravo["form"] and '<span aria-hidden="true">S</span>' in bravo["form"]
    english_bravo = next(row for row in english["rows"] if row["team"] == level_pair.away_id)
    assert english_bravo["notes"][1] == "Ahead of the next team on points" and "Won 3-0 v Alpha" in english_bravo[
        "form"]


def test_a_table_sent_whole_is_rendered_in_each_language(level_pair, django_capture_on_commit_callbacks):
    listeners = table_texts(level_pair.group)
    group_pages = {language: LayerListener(group_feed(level_pair.group_id, language),
                                           keep=lambda message: message["type"] == "table")
                   for language in ("en", "it")}
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=level_pair.id, kind="period_start")  # a cold record: the table whole
    [english], [italian] = listeners["en"].messages(), listeners["it"].messages()
    assert english["version"] == italian["version"] and "base" not in english and "base" not in italian
    assert ">ahead on head-to-head goal difference<" in english["html"]
    assert ">davanti per differenza reti negli scontri diretti<" in italian["html"]
    assert 'title="Vinta 2-0 contro Bravo"' in italian["html"] and 'title="Punti"' in italian["html"]
    assert group_pages["it"].messages() == [italian] and group_pages["en"].messages() == [english]


def test_a_match_feed_carries_the_table_update_of_its_language(level_pair, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(match_feed(level_pair.id, "es"), channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(match_id=level_pair.id, kind="period_start")
    message = async_to_sync(layer.receive)(channel)
    assert message["table_feed"] == table_feed(level_pair.group_id, "es") == f"table.{level_pair.group_id}.es"
    assert ">delante por diferencia de goles en los enfrentamientos directos<" in json.loads(
        message["table_text"])["html"]


def test_a_retried_announcement_sends_the_same_texts_in_every_language(level_pair):
    with translation.override("en"):
        table = messages.locked_group_table(level_pair)
        first = messages.table_change_texts(table)
        again = messages.table_change_texts(table)
    assert first == again and set(first) == set(languages())
    assert first["de"] != first["en"]


def test_the_sites_table_feed_keeps_its_name():
    assert table_feed(4) == table_feed(4, "en") == "table.4" and table_feed(4, "nl") == "table.4.nl"
