"""Serve the project: `python -m live.server [Daphne's options] matchcentre.asgi:application`.

Daphne's own command line, with live/daphne.py's server.
"""

from live.daphne import CommandLineInterface

if __name__ == "__main__":
    CommandLineInterface.entrypoint()
