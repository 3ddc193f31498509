"""The server process compiles the project's templates and loads the catalogs of its languages when it starts
(matchcentre/asgi.py), so that the first requests after a restart (an editor's first goal among them) do not pay
for it."""

from pathlib import Path

from django.conf import settings
from django.template import engines


def test_every_project_template_is_compiled_when_the_process_starts():
    import matchcentre.asgi as asgi

    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    asgi.compile_templates()
    folder = Path(settings.TEMPLATES[0]["DIRS"][0])
    names = {path.relative_to(folder).as_posix() for path in folder.rglob("*.html")}
    assert names and names <= set(loader.get_template_cache)


def test_every_languages_catalogs_are_loaded_when_the_process_starts(monkeypatch):
    """Each goal is built in every language: the first after a restart loaded them all in an editor's request."""
    from django.utils.translation import trans_real

    import matchcentre.asgi as asgi

    monkeypatch.setattr(trans_real, "_translations", {})
    asgi.load_translations()
    assert {code for code, _name in settings.LANGUAGES} <= set(trans_real._translations)
