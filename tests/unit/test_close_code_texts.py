"""Every close code the server sends a page has words on that page, in each of the site's languages.

The server's close reason is a short English diagnostic; static/js/live.js maps the code to what the reader is
shown (FINAL_CLOSES for the codes after which it stops, RETRIED_CLOSES for those it retries after, saying why), and
those words come from the JavaScript catalog (docs/protocol.md, close codes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.trans_real import DjangoTranslation

from live import protocol

LIVE_JS = (Path(__file__).resolve().parents[2] / "static" / "js" / "live.js").read_text()
# A page never sends 1 KiB (its one message is a ping), and after 4012 it reconnects at once, saying so with the
# status every reconnect shows.
SHOWN_AS_ANY_RECONNECT = {"CLOSE_TOO_BIG", "CLOSE_RESUME"}
SENT_TO_PAGES = {
    name: code for name, code in vars(protocol).items()
    if name.startswith("CLOSE_") and isinstance(code, int) and name not in SHOWN_AS_ANY_RECONNECT
}
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def details_by_code() -> dict[int, str]:
    """{4404: "not found", …}: the word live.js gives each close code it stops or retries after."""
    numbers = {name: int(code) for name, code in re.findall(r"var (CLOSE_\w+) = (\d+);", LIVE_JS)}
    details = re.findall(r'(?:FINAL|RETRIED)_CLOSES\[(CLOSE_\w+)\] = "([^"]+)";', LIVE_JS)
    return {numbers[name]: detail for name, detail in details}


def words_for(detail: str) -> list[str]:
    """The messages the page shows for a close's detail: its own sentence, or "Not connected (…)" with its word."""
    sentence = re.search(rf'detail === "{re.escape(detail)}"\)\s*\{{?\s*text = gettext\("([^"]+)"\)', LIVE_JS)
    if sentence:
        return [sentence.group(1)]
    entry = re.search(rf'(?:"{re.escape(detail)}"|\b{re.escape(detail)}): gettext\(\s*"([^"]+)"\s*\)', LIVE_JS)
    assert entry, f"live.js shows no words for the close detail {detail!r}"
    block = LIVE_JS[:entry.start()].rsplit("var ", 1)[1].split(" ", 1)[0]
    return [entry.group(1), "Not connected (%(reason)s)"] if block == "CLOSE_TEXT" else [entry.group(1)]


def test_every_close_code_the_server_sends_a_page_has_words_there():
    assert set(SENT_TO_PAGES.values()) - set(details_by_code()) == set()


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_words_for_each_close_code_are_translated(language):
    catalog = DjangoTranslation(language, domain="djangojs", localedirs=settings.LOCALE_PATHS)
    shown = {code: words_for(detail) for code, detail in details_by_code().items()}
    assert {protocol.CLOSE_UNAVAILABLE, protocol.CLOSE_TOO_MANY, protocol.CLOSE_NOT_FOUND} <= shown.keys()
    untranslated = [(code, words) for code, messages in shown.items() for words in messages
                    if catalog.gettext(words) == words]
    assert untranslated == [], language
