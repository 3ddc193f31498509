"""The standings, scenario and knockout engines are plain Python: they run where Django has no settings (the
benchmarks, scripts), saying their words as written, and in the reader's language where Django runs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from events import wording

REPO = Path(__file__).resolve().parents[2]

WITHOUT_SETTINGS = """
from events.standings import UEFA_GROUP_ZONES
from events.scenarios import Fixture, scenarios
from events import league_scenarios, knockouts
from events.wording import gettext, ngettext
assert gettext("Round of 16") == "Round of 16" and ngettext("a goal", "goals", 2) == "goals"
print("ran", len(UEFA_GROUP_ZONES))
"""


def test_the_engines_import_and_speak_without_django_settings():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    ran = subprocess.run([sys.executable, "-c", WITHOUT_SETTINGS], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("ran ")


def test_with_django_their_words_are_in_the_active_language():
    with translation.override("de"):
        assert wording.gettext("Round of 16") != "Round of 16"
        assert str(wording.gettext_lazy("Round of 16")) == wording.gettext("Round of 16")


def test_a_record_the_engines_refuse_is_explained_in_the_readers_language():
    """What the bracket shows when the record cannot decide a tie, and the scenarios when there are too many
    fixtures to search, reads in the page's language; the team names stay as they are."""
    from events.knockouts import Leg, Tie
    from events.scenarios import Fixture, scenarios

    def second_leg_too_soon():
        Tie(home="Ajax", away="Roma", rule_set="uefa-2021",
            legs=[Leg("Ajax", "Roma", 0, 0, finished=False), Leg("Roma", "Ajax", 0, 0)])

    def too_many_fixtures():
        teams = ["A", "B", "C", "D"]
        remaining = [Fixture(i, home, away) for i, (home, away) in enumerate(
            (h, a) for h in teams for a in teams if h != a)]
        scenarios(teams, [], remaining, "uefa-2019", max_fixtures=8)

    with translation.override("de"):
        with pytest.raises(ValueError, match=r"^das Rückspiel kann nicht vor dem Ende des Hinspiels beginnen$"):
            second_leg_too_soon()
        with pytest.raises(ValueError, match=r"^12 Spiele stehen aus"):
            too_many_fixtures()
    with translation.override("it"), pytest.raises(ValueError, match="d'andata"):
        second_leg_too_soon()
    with translation.override("en"), pytest.raises(ValueError, match=r"^leg 2 cannot start before leg 1 is finished$"):
        second_leg_too_soon()
