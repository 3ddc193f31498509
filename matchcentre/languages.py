"""The site's languages: the scripts' catalog, and the language a page or socket is in.

A page is in the reader's language as LocaleMiddleware decides it (the django_language cookie the switcher
sets, else Accept-Language, else English); the page names it in <html lang>, and its scripts ask for their
strings and open their socket in that language, so that a page and its live updates never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import last_modified, require_safe
from django.views.i18n import JavaScriptCatalog, set_language


def codes() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def known(code: str | None) -> str | None:
    """`code` if the site has it, else its language without the region (de-AT: de) if the site has that."""
    code = (code or "").strip().lower().replace("_", "-")
    for candidate in (code, code.split("-")[0]):
        if candidate and candidate in codes():
            return candidate
    return None


def current() -> str:
    """The active language as one of LANGUAGES (Django may report a variant, en-gb, for a reader's header)."""
    return known(translation.get_language()) or settings.LANGUAGE_CODE


class Catalog(JavaScriptCatalog):
    """The project's own djangojs catalogs (locale/), not every installed app's: the admin's strings would
    more than double what a fan's phone downloads."""

    def get_paths(self, packages):
        return [str(path) for path in settings.LOCALE_PATHS]

    def get(self, request, *args, **kwargs):
        # ?lang= names the language, so that one URL is one body whichever cookie or header asked for it.
        lang = known(request.GET.get("lang")) or current()
        with translation.override(lang):
            response = super().get(request, *args, **kwargs)
        response["Content-Language"] = lang
        return response


# The catalogs change only with a deploy: the process's start is their last modification, and a browser
# that holds them asks again at most hourly.
STARTED = timezone.now()
javascript_catalog = require_safe(
    cache_control(max_age=3600, public=True)(
        last_modified(lambda request: STARTED)(Catalog.as_view(packages=["locale"]))
    )
)


# The switcher is in every page, and fans' pages carry no CSRF token (nginx shares one copy among all readers,
# events/caching.py): the language cookie is the one thing this POST can set, so another site could at worst
# switch a reader's language, which the reader sees and switches back.
switch_language = csrf_exempt(set_language)
