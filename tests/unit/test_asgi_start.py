"""The server process compiles the project's templates when it starts (matchcentre/asgi.py), so that the first
requests after a restart (an editor's first goal among them) do not pay for it."""

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
