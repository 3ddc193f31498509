"""Every string a reader sees is translated: templates mark their text, and the catalogs translate it all.

- Templates: each text node and each attribute a reader meets (title, aria-label, alt, placeholder…) holds no
  words outside {% translate %} / {% blocktranslate %} or variables, but for the names on ALLOWED and the keys
  of the keyboard (<kbd>: the key is the same whatever the language).
- Catalogs: makemessages run over a copy of the sources finds no message the committed catalogs (locale/) lack
  or leave untranslated or fuzzy, in any language.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# Words that are the same in every language: the brand, the time standard, the video referee, formats.
ALLOWED = {"Matchcentre", "UTC", "VAR", "Atom", "iCalendar", "ics", "oEmbed", "JSON", "API"}
# Attributes whose values a reader meets (read aloud, shown on hover, or in a form).
READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "aria-description", "aria-roledescription", "label"}
# Templates whose text is not words: an event kind's key on the editor's keyboard.
NOT_TEXT = {"editor/_shortcut.html"}
PLACEHOLDER = "\x00"
# Blocks that fill an attribute or a tag of base.html's markup, not text (a body's class and data attributes).
MARKUP_BLOCKS = {"body_class", "body_attrs", "full_page"}


def templates() -> list[str]:
    return sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))


def without_template_syntax(source: str) -> str:
    """The template's markup with every tag and variable replaced by a placeholder, comments dropped."""
    parts, skipping = [], None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skipping:
                skipping = None if name == f"end{skipping}" else skipping
                continue
            if name in ("comment", "verbatim"):
                skipping = name
                continue
            if name == "block" and token.contents.split()[1:2] and token.contents.split()[1] in MARKUP_BLOCKS:
                skipping = "block"
                continue
            if name in ("blocktranslate", "blocktrans"):
                # Its text is the message itself.
                skipping = name
                parts.append(PLACEHOLDER)
                continue
        if skipping or token.token_type == TokenType.COMMENT:
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        else:
            # A default's literal is shown as is: `|default:_("Goal")` marks it, `|default:"Goal"` does not.
            literals = re.findall(r'\|default(?:_if_none)?:(["\'])(.*?)\1', token.contents)
            parts.append(PLACEHOLDER + " ".join(text for _quote, text in literals) + PLACEHOLDER)
    return "".join(parts)


# Elements whose text a reader does not read as words: code, and the keys to press.
UNREAD_ELEMENTS = ("script", "style", "kbd")


class ReadableText(HTMLParser):
    """Text nodes outside <script>/<style>/<kbd>, and read attributes' values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in UNREAD_ELEMENTS:
            self.hidden_depth += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.found.append(value)
            if tag == "meta" and name == "content" and dict(attrs).get("name") == "description" and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in UNREAD_ELEMENTS and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.found.append(data)


def unmarked(source: str) -> list[str]:
    """The words of `source` a reader would see untranslated."""
    parser = ReadableText()
    parser.feed(without_template_syntax(source))
    parser.close()
    words = []
    for text in parser.found:
        for word in re.findall(r"[^\W\d_]+", text.replace(PLACEHOLDER, " ")):
            if word not in ALLOWED:
                words.append(word)
    return words


@pytest.mark.parametrize("name", [name for name in templates() if name not in NOT_TEXT])
def test_a_templates_text_is_marked_for_translation(name):
    words = unmarked((TEMPLATES / name).read_text())
    assert not words, f"{name}: text not marked for translation: {' '.join(words[:20])}"


def test_the_check_finds_unmarked_text_in_text_and_attributes_but_not_in_scripts_keys_or_comments():
    source = (
        '{% load i18n %}<p title="Hello">{% translate "Kept" %} {{ name }} Goal</p>'
        "{# a comment #}{% comment %}Notes{% endcomment %}<script>var x = 'code';</script>"
        '<span aria-label="{% translate "Fine" %}">– · Matchcentre UTC 90+2</span>'
        '<button>{% translate "Record" %} <kbd>Enter</kbd> Now</button><kbd title="Escape">Esc</kbd>'
    )
    assert unmarked(source) == ["Hello", "Goal", "Now", "Escape"]


# --- the catalogs ---------------------------------------------------------------------------


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def untranslated(po: Path) -> list[str]:
    """The msgids of `po` with an empty msgstr (any plural form) or marked fuzzy; the header aside."""
    found = []
    for block in po.read_text().split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"', block, re.M)
        if not msgid or (msgid.group(1) == "" and "msgid_plural" not in block):
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
        if "#, fuzzy" in block or not strings or any(not "".join(re.findall(r'"(.*)"', s)) for s in strings):
            text = "".join(re.findall(r'"(.*)"', block.split("msgid ", 1)[1].split("\nmsgstr")[0]))
            found.append(text)
    return found


IGNORED = [".git", ".venv", ".venv-lock", "staticfiles", "node_modules", "test-artifacts", "tests", "bench", "harness",
           "data", "logs", "deploy", "__pycache__", ".pytest_cache", ".ruff_cache", "*.sqlite3*", "*.mo"]


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory) -> Path:
    """The committed catalogs after makemessages has run over a copy of today's sources."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is missing (make test installs it: apt-get install gettext)")
    copy = tmp_path_factory.mktemp("sources") / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*IGNORED))
    flags = [f"-l{code}" for code in languages()]
    ignore = [f"--ignore={name}" for name in IGNORED]
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-d", domain, "--no-obsolete", *flags, *ignore],
            cwd=copy, check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE":
                                                           "matchcentre.settings", "PYTHONPATH": str(copy)},
        )
    return copy / "locale"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
@pytest.mark.parametrize("language", languages())
def test_every_message_is_translated(fresh_catalogs, language, domain):
    po = fresh_catalogs / language / "LC_MESSAGES" / f"{domain}.po"
    missing = untranslated(po)
    assert not missing, (
        f"locale/{language}/LC_MESSAGES/{domain}.po lacks translations (run makemessages, then translate): {missing}"
    )


def test_the_committed_catalogs_are_those_makemessages_writes(fresh_catalogs):
    """No message in the committed catalogs that the sources no longer have (a stale catalog hides nothing)."""
    for language in languages():
        for domain in ("django", "djangojs"):
            committed = msgids(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po")
            fresh = msgids(fresh_catalogs / language / "LC_MESSAGES" / f"{domain}.po")
            assert committed == fresh, f"locale/{language}/LC_MESSAGES/{domain}.po: {committed ^ fresh}"


def msgids(po: Path) -> set[tuple[str, str]]:
    found = set()
    for block in po.read_text().split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        context = re.search(r'^msgctxt "(.*)"', block, re.M)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block + "\n", re.M)
        if msgid:
            text = "".join(re.findall(r'"(.*)"', msgid.group(1)))
            if text:
                found.add((context.group(1) if context else "", text))
    return found


# --- sentences written in Python ------------------------------------------------------------


def test_a_ties_sentence_reads_in_the_active_language():
    from django.utils import translation

    from events.knockouts import tie_state
    from tests.unit.test_knockouts import two_legs

    state = tie_state(two_legs((0, 1), (1, 1), finished=False, rules="uefa-2021"))
    names = {"A": "Paris Saint-Germain", "B": "Liverpool"}
    assert state.sentence(names) == "Liverpool lead 2-1 on aggregate"
    with translation.override("de"):
        assert state.sentence(names) == "Liverpool führt 2-1 nach Hin- und Rückspiel"
    with translation.override("es"):
        assert state.sentence(names) == "Liverpool gana 2-1 en el global"
