"""`.env`: settings from a file, for development (`cp .env.example .env`); the environment wins.

The settings read it first thing, so that manage.py, matchcentre/asgi.py and `python -m live.server` all
see it: they all import the settings, and nothing reads the environment before them. Which file:

- MATCHCENTRE_ENV_FILE, when set: that file (it must exist), or none when it is empty;
- else `.env` beside manage.py, if there is one;
- but none under pytest (PYTEST_VERSION, which pytest sets for its run and which the processes the tests
  start inherit): a developer's .env must not change what the tests see. A test that wants a file names it.

A variable already in the environment is never replaced (python-dotenv's `override=False`), so systemd's
EnvironmentFile or an `export` beats the file. python-dotenv is imported only when there is a file to read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

VARIABLE = "MATCHCENTRE_ENV_FILE"


def env_file(base_dir: Path, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The file to read, or None."""
    named = environ.get(VARIABLE)
    if named is not None:
        if not named.strip():
            return None
        path = Path(named)
        if not path.is_file():
            raise RuntimeError(f"{VARIABLE} names {named!r}, which is not a file")
        return path
    if "PYTEST_VERSION" in environ:
        return None
    default = base_dir / ".env"
    return default if default.is_file() else None


def read_env_file(base_dir: Path) -> Path | None:
    """Put the file's variables into os.environ, where they are not set already; returns the file read."""
    path = env_file(base_dir)
    if path is not None:
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
    return path
