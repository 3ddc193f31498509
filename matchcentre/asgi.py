"""ASGI entry point: HTTP through Django, websockets through the live package (live/), both behind
the one middleware that decides the client's address (matchcentre/proxies.py)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchcentre.settings")
# Set up Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.template.loader import get_template  # noqa: E402

from live.routing import websocket_application  # noqa: E402
from matchcentre.access import WebsocketAccessLog  # noqa: E402
from matchcentre.proxies import TrustedProxies  # noqa: E402

# Sockets get their access lines (with ACCESS_LOG on) from outside the live stack, with the client decided.
application = TrustedProxies(
    ProtocolTypeRouter({"http": django_asgi_app, "websocket": WebsocketAccessLog(websocket_application())})
)


def compile_templates() -> None:
    """Compile the project's templates now, once per process, rather than in the first requests: otherwise the
    first goal an editor records after a restart also pays for compiling the markup it is pushed with (about
    20 ms), and so does the first fan to open each kind of page."""
    from pathlib import Path

    for folder in map(Path, settings.TEMPLATES[0]["DIRS"]):
        for path in sorted(folder.rglob("*.html")):
            get_template(path.relative_to(folder).as_posix())


def load_translations() -> None:
    """Load every language's catalogs now: each goal is built in all of them, and the first goal after a
    restart otherwise read and merged them all inside the editor's request."""
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Goal")


compile_templates()
load_translations()
