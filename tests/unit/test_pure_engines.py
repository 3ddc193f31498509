"""The standings, scenario and knockout engines are plain Python: they run where Django has no settings (the
benchmarks, scripts), saying their words as written, and in the reader's language where Django runs."""

import os
import subprocess
import sys
from pathlib import Path

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
