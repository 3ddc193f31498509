"""Settings for Matchcentre, driven by environment variables.

Unset variables give the embedded defaults used by `make run`: SQLite and the
in-memory channel layer (one process). Production sets DATABASE_URL (PostgreSQL)
and REDIS_URL (channels_redis) so several Daphne processes share one layer.
"""

import os
from pathlib import Path

import dj_database_url

from matchcentre.envfile import read_env_file

BASE_DIR = Path(__file__).resolve().parent.parent

# `.env` beside manage.py, or the file MATCHCENTRE_ENV_FILE names, before anything reads the environment;
# the environment wins over the file, and under pytest no file is read unless named (matchcentre/envfile.py).
read_env_file(BASE_DIR)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Demo accounts exist only where this is on; production settings refuse them.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

INSTALLED_APPS = [
    # Daphne first, so that `runserver` is the ASGI server.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    # Only for its templates and static files: /api/docs is Swagger UI from our own origin, with no
    # inline script, rather than from a CDN (which Content-Security-Policy below would refuse anyway).
    "ninja",
    # The task queue's worker (`manage.py rqworker webhooks --with-scheduler`): webhooks' deliveries.
    "django_rq",
    "events",
]

MIDDLEWARE = [
    "live.requests.CountRequestsInFlight",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (pages, the admin, /api/docs, errors, static files).
    "csp.middleware.CSPMiddleware",
    # WhiteNoise, able to stay on the event loop (matchcentre/static_files.py).
    "matchcentre.static_files.StaticFiles",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: the django_language cookie the switcher sets (/i18n/setlang/), else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Editors' and admins' logins: after 5 failures for one username from one address, wait 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The address is REMOTE_ADDR, which matchcentre/proxies.py decided; never a header (not even through
# django-ipware, should it ever be installed).
AXES_CLIENT_IP_CALLABLE = "matchcentre.proxies.remote_addr"

# The proxies we deploy (addresses or CIDR networks, comma-separated): only a connection from one of
# them may name the client in X-Forwarded-For (matchcentre/proxies.py). Empty: the header is ignored.
# Behind deploy/nginx on the same machine: TRUSTED_PROXIES=127.0.0.1.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

ROOT_URLCONF = "matchcentre.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

ASGI_APPLICATION = "matchcentre.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # 0 under Daphne: every request runs in a thread of its own, and a connection kept past the
        # request is left behind with its thread, until the database refuses more (use PgBouncer
        # to keep connections, see docs/deploy.md).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection that died with the database (a restart, a failover) is replaced before
        # use, rather than failing the first request after the database is back.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server answers an editor with a 503 in seconds, not after the OS gives up.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Editors and the replay write while fans read: wait for the lock instead of
    # failing at once with "database is locked".
    # Take the write lock when the transaction starts: SQLite refuses at once,
    # rather than waits, to upgrade a reading transaction to a writing one.
    # Write-ahead log: fans' reads do not wait for an editor's write, and a commit is one append
    # and one sync of the log (still durable: synchronous=FULL) instead of a rollback journal's
    # several syncs of two files, each of which a busy disk can hold up for a good part of a second.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL"
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
# What keeps this site's keys apart from another's on a shared Redis (the channel layer, the cache, the push rate).
CHANNEL_LAYER_PREFIX = os.environ.get("CHANNEL_LAYER_PREFIX", "matchcentre")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer publishes once per group and keeps no per-channel
            # backlog that could expire; see docs/architecture.md.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # Fail fast when Redis is away: a publish happens after an
                        # editor's commit, and must not hold the request for long.
                        "socket_connect_timeout": 2,
                        "socket_timeout": 5,
                        # Notice a dead connection on a quiet match before a goal needs it.
                        "health_check_interval": 15,
                        "socket_keepalive": True,
                    }
                ],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "matchcentre"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Open websockets one client address may hold on one process (0: no limit). Fans behind one mobile
# carrier NAT or a stadium's wifi share an address: docs/protocol.md says why 2,000.
WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS = int(os.environ.get("WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS", "2000"))

# What a process keeps, beyond what the kernel takes, for a fan whose connection takes nothing more:
# past it the connection is dropped and the fan, if still there, reconnects and catches up.
WEBSOCKET_MAX_UNSENT_BYTES = int(os.environ.get("WEBSOCKET_MAX_UNSENT_BYTES", str(256 * 1024)))
# Permessage-deflate for clients that offer it, each message compressed once for every fan (live/deflate.py).
WEBSOCKET_DEFLATE = env_bool("WEBSOCKET_DEFLATE", True)

# The cache holds API rate-limit counters; with Redis they are shared by every process.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": os.environ.get("CHANNEL_LAYER_PREFIX", "matchcentre")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Webhooks (docs/webhooks.md): every change of the chosen competitions POSTed to newsrooms' URLs, signed, by
# the task queue's worker (RQ) on TASK_QUEUE_URL, REDIS_URL by default. With neither set, deliveries wait in
# the database until a worker with a Redis sweeps them (`make run` gives it one: harness/services.py).
TASK_QUEUE_URL = os.environ.get("TASK_QUEUE_URL", "") or REDIS_URL
WEBHOOK_QUEUE = os.environ.get("WEBHOOK_QUEUE", "webhooks")
RQ_QUEUES = {WEBHOOK_QUEUE: {"URL": TASK_QUEUE_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 60}}
# The worker also sweeps the database for due deliveries whose job was lost (events/webhooks/worker.py).
# ...and for lost Web Push deliveries (events/notifications/worker.py).
RQ = {"WORKER_CLASS": "events.notifications.worker.TaskWorker"}
# django-rq's dashboard would let any staff member delete jobs; the delivery log is in the admin instead.
RQ_SHOW_ADMIN_LINK = False
# Seconds between a failed attempt and the next: six attempts in about an hour and a quarter, then failed.
WEBHOOK_RETRY_SCHEDULE = [int(s) for s in env_list("WEBHOOK_RETRY_SCHEDULE", "10,30,120,600,3600")]
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "5"))
# An attempt holds its delivery this long (seconds): a worker killed mid-attempt leaves it due again after it.
WEBHOOK_ATTEMPT_LEASE = int(os.environ.get("WEBHOOK_ATTEMPT_LEASE", "60"))
# How often the worker sweeps (seconds), and how long a due delivery may wait for its job before it is re-enqueued.
WEBHOOK_SWEEP_INTERVAL = int(os.environ.get("WEBHOOK_SWEEP_INTERVAL", "30"))
WEBHOOK_SWEEP_GRACE = int(os.environ.get("WEBHOOK_SWEEP_GRACE", "10"))
# URLs on loopback, private or link-local addresses are refused (the server would POST into its own network),
# except in development and tests.
WEBHOOK_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", DEBUG)

# Web Push notifications of followed teams' matches (docs/notifications.md), sent by the same worker. The VAPID key
# pair signs them (`manage.py generate_vapid_keys`); with DEBUG and none set, one is made once and kept in
# VAPID_KEYS_FILE. VAPID_SUBJECT is how a push service reaches the operator (mailto: or https:).
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "").strip()
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "").strip()
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:matchcentre@example.org").strip()
VAPID_KEYS_FILE = Path(os.environ.get("VAPID_KEYS_FILE", BASE_DIR / "local" / "vapid-keys.json"))
# The queue push jobs go on: the webhooks' by default, so that every worker serves both; a queue of its own
# (PUSH_QUEUE=push, and `rqworker push webhooks`) puts goals ahead of newsrooms' copies.
PUSH_QUEUE = os.environ.get("PUSH_QUEUE", "") or WEBHOOK_QUEUE
RQ_QUEUES.setdefault(PUSH_QUEUE, dict(RQ_QUEUES[WEBHOOK_QUEUE]))
# How long a push service keeps a notification for a device that is offline (seconds): later, it is old news.
PUSH_TTL = int(os.environ.get("PUSH_TTL", "900"))
PUSH_TIMEOUT = float(os.environ.get("PUSH_TIMEOUT", "10"))
# Seconds between a failed attempt (429, 5xx, no answer) and the next; a Retry-After longer than it wins.
PUSH_RETRY_SCHEDULE = [int(s) for s in env_list("PUSH_RETRY_SCHEDULE", "5,30,120,600")]
PUSH_ATTEMPT_LEASE = int(os.environ.get("PUSH_ATTEMPT_LEASE", "60"))
PUSH_SWEEP_GRACE = int(os.environ.get("PUSH_SWEEP_GRACE", "10"))
# Rate bounds: per subscription (what one browser may get in a minute; more waits its turn), and for the whole
# site (sends per second on average, and at once), shared by every worker (events/notifications/rate.py).
PUSH_MAX_PER_SUBSCRIPTION_MINUTE = int(os.environ.get("PUSH_MAX_PER_SUBSCRIPTION_MINUTE", "20"))
PUSH_GLOBAL_RATE = float(os.environ.get("PUSH_GLOBAL_RATE", "200"))
PUSH_GLOBAL_BURST = int(os.environ.get("PUSH_GLOBAL_BURST", "500"))
# Subscriptions need no account: what one address may create or change, to keep the table from being filled.
PUSH_SUBSCRIBE_RATE = os.environ.get("PUSH_SUBSCRIBE_RATE", "30/min")
# Deliveries in a row that failed before a subscription is taken for dead (a 404 or 410 ends it at once).
PUSH_MAX_FAILURES = int(os.environ.get("PUSH_MAX_FAILURES", "10"))
# Endpoints on loopback or private addresses are refused, and http ones, except in development and tests.
PUSH_ALLOW_PRIVATE_HOSTS = env_bool("PUSH_ALLOW_PRIVATE_HOSTS", DEBUG)

# Requests per client to the API: writes per signed-in user or token, reads per address.
API_WRITE_RATE = os.environ.get("API_WRITE_RATE", "120/min")
API_READ_RATE = os.environ.get("API_READ_RATE", "600/min")
# Reads count per REMOTE_ADDR (the address matchcentre/proxies.py decided). Unset, django-ninja would
# key them on the raw, client-written X-Forwarded-For.
NINJA_NUM_PROXIES = 0

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "editor-index"
LOGOUT_REDIRECT_URL = "index"

# English is the source language: its catalog is the templates' and code's own text. Pages and their live
# updates come in these languages (locale/, docs/architecture.md); dates and numbers follow through Intl.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("it", "Italiano"),
    ("de", "Deutsch"),
    ("nl", "Nederlands"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Under Daphne in development, serve static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Content-Security-Policy (django-csp): every script and stylesheet is a file from our own origin;
# no inline <script>, no style="" attribute, no on* handler, no eval, nothing from another site.
# Team colours are SVG fills (templates/events/_team_colours.html); JavaScript may still set
# element.style (the CSSOM is not an inline style). connect-src 'self' covers the page's websocket:
# CSP Level 3 lets 'self' match ws:/wss: on the page's own host and port (tests/browser/
# test_content_security_policy.py). img-src data: is for Swagger UI's icons at /api/docs.
# frame-ancestors 'none' says what X-Frame-Options: DENY says, to browsers that read CSP.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is a promise to browsers' built-in lists that is slow to take back (months): a
    # deployment opts in once every subdomain serves HTTPS for good, see docs/deploy.md.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Off by choice, so `check --deploy` need not say so (security.W021: "cannot be submitted to the
    # preload list").
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Logs: one handler, the root logger's, and every logger (ours, Django's, Daphne's) propagates to it, so each
# record is written once, in one format. Daphne's command line calls logging.basicConfig, which gives the root
# logger a handler of its own, before it loads the application; configuring the root here replaces it (an
# `events` handler of our own, and Django's `django` one when DEBUG is on, wrote each line once more
# beside it). The root's level stays what Daphne's -v gives it (INFO by default; WARNING under manage.py);
# ours follow LOG_LEVEL. LOG_FORMAT=json: one JSON object per line (matchcentre/logs.py).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
if LOG_FORMAT not in {"text", "json"}:
    raise RuntimeError(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
# The access log (matchcentre/access.py): a line per HTTP request naming the client matchcentre/proxies.py
# decided, on the `matchcentre.access` logger. Off by default (and so in tests); deploy/systemd turns it on.
ACCESS_LOG = env_bool("ACCESS_LOG", False)
if ACCESS_LOG:
    MIDDLEWARE.insert(0, "matchcentre.access.access_log")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)-8s %(name)s %(message)s"},
        "json": {"()": "matchcentre.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"]},
    "loggers": {
        # No handlers: Django's own console handler goes, and its records reach the root's.
        "django": {"level": "INFO"},
        "events": {"level": LOG_LEVEL},
        "live": {"level": LOG_LEVEL},
        "matchcentre": {"level": LOG_LEVEL},
        "matchcentre.access": {"level": "INFO" if ACCESS_LOG else "WARNING"},
    },
}

# Errors to Sentry when SENTRY_DSN is set; without it the SDK is not even imported. Unhandled exceptions in
# views, and every ERROR log record (a consumer's crash, a failed broadcast) with the INFO lines before it as
# breadcrumbs. No personal data: no addresses, cookies or users (send_default_pii off). Websockets are not
# instrumented: nothing per fan or per message.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "").strip() or "production",
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        integrations=[DjangoIntegration()],
        send_default_pii=False,
    )
