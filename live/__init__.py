"""Live delivery: everything between "a change is committed" and "bytes reach a fan's socket".

    events/services/ ──(after commit)──► publish ──► channel layer (Redis) ──► fanout (one subscription
    per feed per process) ──► each fan's socket (daphne: frames built once, written straight out)

- protocol.py   feed names, message types, close codes, limits, frames
- messages.py   what a fan gets on connect, what a change carries (built and serialized once)
- publish.py    the only sender to the channel layer
- fanout.py     the per-process fan-out and the channel layer's health check
- consumers.py  the websocket endpoints; routing.py their URLs and the stack in front of them
- session.py    the socket's cookies, session and user; heap.py the garbage collector's policy
- requests.py   the count of HTTP requests in flight, which the fan-out gives way to
- daphne.py     the only module that reaches into Daphne, Twisted or autobahn; server.py runs it
"""
