# Matchcentre: `make run` to see it live, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Match minutes per real minute for the demo replay (30: the match in about three minutes).
REPLAY_SPEED ?= 30

.PHONY: messages run serve test test-postgres lint format demo clean bench cluster lock

# pip itself is pinned too (the release the locks are made and installed with), not whatever is newest.
PIP := pip==26.3

$(BIN)/.installed: requirements.txt requirements-dev.txt Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(PIP)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.installed

# The locks, generated from pyproject.toml by pip-tools in a venv of its own: requirements.txt (runtime,
# what production installs) and requirements-dev.txt (runtime plus the dev extra, held to the runtime
# lock's pins), every package pinned with the hashes of all of its release's files on PyPI.
# Pins already in the locks stay; a pin changed in pyproject.toml moves. To move others:
# `make lock LOCK_ARGS="--upgrade-package twisted"` (or LOCK_ARGS=--upgrade for everything).
# Local pip configuration (find-links, extra indexes, constraints) is kept out: it must not reach the locks.
LOCK_VENV := .venv-lock
LOCK_TOOLS := $(PIP) pip-tools==7.6.2
LOCK_INDEX_URL ?= https://pypi.org/simple
LOCK_ARGS ?=
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT -u PIP_NO_INDEX \
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --index-url $(LOCK_INDEX_URL) $(LOCK_ARGS)

$(LOCK_VENV)/.installed: Makefile
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet $(LOCK_TOOLS)
	@touch $@

lock: $(LOCK_VENV)/.installed
	$(PIP_COMPILE) --output-file requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements.txt --output-file requirements-dev.txt pyproject.toml

# Kick-off once a first fan page is open (at most KICKOFF_WAIT=20 s); the server's own output, access log
# included, goes to SERVER_LOG (logs/demo-server.log), the console keeps the replay's narration. The task
# queue's worker (webhooks, docs/webhooks.md) runs beside it on the Redis in TASK_QUEUE_URL, or a throwaway
# one (harness/services.py); the channel layer stays in memory.
run: $(BIN)/.installed /usr/bin/redis-server messages
	HOST=$(HOST) PORT=$(PORT) REPLAY_SPEED=$(REPLAY_SPEED) PYTHON=$(BIN)/python \
		$(SERVICES) --redis-var TASK_QUEUE_URL -- scripts/run_demo.sh

# The access log (matchcentre/access.py) is on for `make run` and `make serve`: ACCESS_LOG=0 to quiet it.
ACCESS_LOG ?= 1

serve: $(BIN)/.installed messages
	$(BIN)/python manage.py migrate --noinput
	ACCESS_LOG=$(ACCESS_LOG) $(BIN)/python -m live.server --websocket-max-message-size 65536 -b $(HOST) -p $(PORT) matchcentre.asgi:application

# System packages, installed when missing: as root, or through sudo.
APT := $(if $(filter 0,$(shell id -u)),,sudo) apt-get

# The browser tests drive Debian's Chromium; install it when missing (Playwright never downloads one).
/usr/bin/chromium:
	$(APT) update -qq && $(APT) install -y -qq chromium

# The translations' catalogs (locale/*/LC_MESSAGES/*.po) compile with GNU gettext's msgfmt.
/usr/bin/msgfmt:
	$(APT) update -qq && $(APT) install -y -qq gettext

# The compiled catalogs (.mo) are built, not committed: rebuilt whenever a .po changes.
MESSAGES_PO := $(wildcard locale/*/LC_MESSAGES/*.po)
messages: $(MESSAGES_PO:.po=.mo)

locale/%.mo: locale/%.po | /usr/bin/msgfmt
	msgfmt --check-format -o $@ $<

# The cluster test puts Debian's nginx in front of two Daphne processes.
/usr/sbin/nginx:
	$(APT) update -qq && $(APT) install -y -qq nginx-light

# The suite starts a redis-server of its own when none answers, and the Redis outage tests kill theirs.
/usr/bin/redis-server:
	$(APT) update -qq && $(APT) install -y -qq redis-server

# Redis (and PostgreSQL, when DATABASE_URL names it) that answer, or throwaway ones for the command's run.
SERVICES := $(BIN)/python -m harness.services

# One pytest worker per core (pytest-xdist), each test file whole on one worker: a file's servers and
# browser start once. TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
test: $(BIN)/.installed /usr/bin/chromium /usr/sbin/nginx /usr/bin/redis-server messages
	$(SERVICES) --redis-var REDIS_URL_FOR_TESTS -- $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Scenario and league-phase timings, what a World Cup goal costs (its group, the thirds, the bracket), the
# fan-out benchmark against a bare websockets server, the league-phase night (NIGHT_FANS fans over its 18
# matches and table), then a crowd arriving: CROWD_FANS on one process, then twice as many on two behind
# nginx. About twelve minutes; docs/performance.md.
NIGHT_FANS ?= 3000
CROWD_FANS ?= 10000
bench: $(BIN)/.installed /usr/bin/redis-server messages
	$(BIN)/python bench/scenarios.py
	$(BIN)/python bench/league_phase.py
	$(BIN)/python bench/league_scenarios.py
	$(BIN)/python -m bench.world_cup_goal
	$(SERVICES) --no-redis -- $(BIN)/python -m bench.run
	$(SERVICES) --no-redis -- $(BIN)/python -m bench.run --sizes 10000 --languages en,it,de,nl,es --out-name fanout-languages
	$(SERVICES) --no-redis -- $(BIN)/python -m bench.league_night --fans $(NIGHT_FANS)
	$(SERVICES) --no-redis -- $(BIN)/python -m bench.crowd --fans $(CROWD_FANS)
	$(SERVICES) --no-redis -- $(BIN)/python -m bench.crowd --fans $$(( $(CROWD_FANS) * 2 )) --processes 2 --generators 4

# nginx in front of two Daphne processes, Redis and PostgreSQL from the environment (docs/deploy.md).
cluster: $(BIN)/.installed /usr/sbin/nginx /usr/bin/redis-server messages
	$(SERVICES) -- $(BIN)/python -m deploy.local_cluster

clean:
	rm -rf $(VENV) $(LOCK_VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache
