"""The words the pure engines say (standings, scenarios, knockout ties): in the reader's language where Django
runs with its settings, as written where it does not (the engines' benchmarks and scripts run without them).

The names are gettext's, so that makemessages finds the messages where the engines mark them.
"""

from __future__ import annotations

from django.utils.functional import lazy


def _translations():
    """Django's translation functions once its settings are there, else None."""
    from django.conf import settings

    if not settings.configured:
        return None
    from django.utils import translation

    return translation


def gettext_noop(message: str) -> str:
    return message


def gettext(message: str) -> str:
    translation = _translations()
    return translation.gettext(message) if translation else message


def ngettext(singular: str, plural: str, number: int) -> str:
    translation = _translations()
    if translation:
        return translation.ngettext(singular, plural, number)
    return singular if number == 1 else plural


gettext_lazy = lazy(gettext, str)


def in_sentence(label) -> str:
    """A choice's label (a period, a kind of event) inside a sentence: lower-case as English, Italian, Dutch
    and Spanish write it there, as it is in German, whose nouns keep their capital."""
    label = str(label)
    translation = _translations()
    language = (translation.get_language() or "") if translation else ""
    return label if language.split("-")[0] == "de" else label.lower()
