"""Serve the project: `python -m live.server [Daphne's options] matchcentre.asgi:application`.

Daphne's own command line, with live/daphne.py's server, less Daphne's access log: Daphne writes one to
stdout whenever -v is 1 or more (the default), naming the connection's peer, which behind nginx is nginx.
The application writes its own instead (ACCESS_LOG=1, matchcentre/access.py), naming the client that
matchcentre/proxies.py decided. Asked for by name (`--access-log FILE`), Daphne's is still written.
"""

from live.daphne import CommandLineInterface, Server


def server_without_access_log(**options) -> Server:
    """live/daphne.py's server as Daphne's command line makes it, with no access log."""
    options["action_logger"] = None
    return Server(**options)


class CommandLine(CommandLineInterface):
    def run(self, args):
        if not self.parser.parse_args(args).access_log:
            self.server_class = server_without_access_log
        super().run(args)


if __name__ == "__main__":
    CommandLine.entrypoint()
