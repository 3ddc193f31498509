# Matchcentre: `make run` to see it live, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Match minutes per real minute for the demo replay (30: the match in about three minutes).
REPLAY_SPEED ?= 30

.PHONY: run serve test test-postgres lint format demo clean bench cluster

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.installed

run: $(BIN)/.installed
	HOST=$(HOST) PORT=$(PORT) REPLAY_SPEED=$(REPLAY_SPEED) PYTHON=$(BIN)/python scripts/run_demo.sh

serve: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python -m live.server --websocket-max-message-size 65536 -b $(HOST) -p $(PORT) matchcentre.asgi:application

# The browser tests drive Debian's Chromium; install it when missing (Playwright never downloads one).
/usr/bin/chromium:
	apt-get update -qq && apt-get install -y -qq chromium

# The cluster test puts Debian's nginx in front of two Daphne processes.
/usr/sbin/nginx:
	apt-get update -qq && apt-get install -y -qq nginx-light

# The Redis outage tests start (and kill) a redis-server of their own.
/usr/bin/redis-server:
	apt-get update -qq && apt-get install -y -qq redis-server

test: $(BIN)/.installed /usr/bin/chromium /usr/sbin/nginx /usr/bin/redis-server
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Fan-out benchmark against a bare websockets server (a few minutes; see docs/performance.md).
bench: $(BIN)/.installed
	$(BIN)/python bench/scenarios.py
	$(BIN)/python -m bench.run

# nginx in front of two Daphne processes, Redis and PostgreSQL from the environment (docs/deploy.md).
cluster: $(BIN)/.installed
	$(BIN)/python -m deploy.local_cluster

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache
