"""The garbage collector's policy for a process holding thousands of long-lived sockets."""

from __future__ import annotations

import gc


class LongLivedHeap:
    """Keep Python's full garbage collections short in a process holding thousands of fans.

    Each fan brings about a hundred objects that live as long as its socket: at 10,000 fans a full
    collection walks over a million of them and stops the process for about a second, in the middle
    of a fan-out or an editor's request. Full collections come whenever the long-lived objects have
    grown by a quarter, that is after every burst of connections (and then the first editor's request
    after a burst pays for it). So what survives a full collection is frozen (`gc.freeze()`), and so
    is everything every FREEZE_AFTER_OPENED new connections: full collections look only at what came
    after. The server installs it as it starts (live/daphne.py), so that what start-up loaded (Django,
    the compiled templates) is frozen too: in a process with no fans, a full collection of that took
    90-115 ms, in the middle of an editor's request.

    A frozen object that becomes garbage in a reference cycle is not freed (about 25 objects per
    closed connection). Once more fans have left than are connected, everything is unfrozen, so the
    next full collection frees those and the survivors are frozen again.
    """

    def __init__(self) -> None:
        self.installed = False
        self.open = 0
        self.opened_since_freeze = 0
        self.closed_since_unfreeze = 0

    def install(self) -> None:
        if not self.installed:
            self.installed = True
            gc.collect()
            gc.freeze()
            gc.callbacks.append(self.after_collection)

    def after_collection(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    def opened(self) -> None:
        self.open += 1
        self.opened_since_freeze += 1
        if self.opened_since_freeze >= FREEZE_AFTER_OPENED:
            self.opened_since_freeze = 0
            gc.freeze()

    def closed(self) -> None:
        self.open -= 1
        self.closed_since_unfreeze += 1
        if self.closed_since_unfreeze > max(UNFREEZE_AFTER_CLOSED, self.open):
            self.closed_since_unfreeze = 0
            gc.unfreeze()


FREEZE_AFTER_OPENED = 1000
UNFREEZE_AFTER_CLOSED = 1000
long_lived_heap = LongLivedHeap()
