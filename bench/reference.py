"""The reference: a bare `websockets` server that broadcasts a change to every connection.

This is the limit one Python process on this machine reaches: no framework, no channel layer, the
text encoded once and written to every socket by `websockets.broadcast()`. It sends the same bytes a
real change has (a change message recorded through the real API, passed in as a template), with its
own `seq` and `at` (the time of the broadcast) filled in, so the fans time both servers alike.

    python bench/reference.py PORT TEMPLATE_FILE [FOLLOWING_FILE]

FOLLOWING_FILE holds, a line each, the messages the same change sends a match socket after it (the group
table's update): each broadcast sends them too, unchanged, so that fans get the same frames from both.

Commands, one JSON line each on stdin, each answered with one JSON line on stdout:
    {"cmd": "broadcast", "seq": 7}   -> {"sent": <connections>, "at": <POSIX time>}
    {"cmd": "count"}                 -> {"connections": n}
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from websockets.asyncio.server import broadcast, serve

SEQ = re.compile(r'"seq":\d+')
# The change's own time: the first "at" after its seq (protocol version 2 carries no table after it).
AT = re.compile(r'"at":"[^"]*"')


def split_template(text: str) -> tuple[str, str, str]:
    """The template around its top-level seq and at: (before seq, between, after at)."""
    seq = SEQ.search(text)
    at = AT.search(text, seq.end()) if seq else None
    if not seq or not at:
        raise ValueError("the template is not a change message")
    return text[: seq.start()] + '"seq":', text[seq.end() : at.start()] + '"at":"', text[at.end() - 1 :]


async def main(port: int, template: str, following: list[str]) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before_seq, between, after_at = split_template(template)
    connections = set()

    async def handler(websocket):
        connections.add(websocket)
        try:
            await websocket.wait_closed()
        finally:
            connections.discard(websocket)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    # No compression: websockets would compress once per connection; the match centre compresses once per
    # change, for fans that offer it.
    async with serve(handler, "127.0.0.1", port, compression=None, backlog=1024, max_queue=16):
        print(json.dumps({"listening": port}), flush=True)
        while True:
            line = await reader.readline()
            if not line:
                break
            command = json.loads(line)
            if command["cmd"] == "broadcast":
                now = time.time()
                at = datetime.fromtimestamp(now, UTC).isoformat()
                broadcast(connections, f"{before_seq}{command['seq']}{between}{at}{after_at}")
                for text in following:
                    broadcast(connections, text)
                answer = {"sent": len(connections), "at": now}
            elif command["cmd"] == "count":
                answer = {"connections": len(connections)}
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    following_file = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    following_texts = following_file.read_text(encoding="utf-8").splitlines() if following_file else []
    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2]).read_text(encoding="utf-8"), following_texts))
