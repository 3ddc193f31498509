"""/sw.js: the service worker that shows Web Push notifications (static/js/sw.js).

Served from the site's root, not from /static/: a service worker controls only the paths under its own, and a
notification's click opens any match page. `Service-Worker-Allowed: /` says the same to browsers that are given
the worker from elsewhere. Not cached for long: browsers check it for updates at most every 24 hours anyway.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    path = Path(finders.find("js/sw.js") or (settings.STATIC_ROOT / "js" / "sw.js"))
    try:
        script = path.read_bytes()
    except OSError:
        raise Http404("No service worker.") from None
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
