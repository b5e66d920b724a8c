"""Database writes on a thread of their own while the caller prepares the next ones.

A stock sync formats rows in Python (holding the interpreter lock) and then waits while the
database stores them; on two cores the two can overlap. ``WriteBehind`` runs each submitted
write, in order, on one thread, so the caller formats batch k+1 while batch k is written. The
caller must not use the connection itself until the block ends. A failed write stops the rest;
its error is raised to the caller at the next ``submit`` or at the end of the block.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

Write = Callable[[], None]


class WriteBehind:
    def __init__(self, depth: int = 2) -> None:
        self._queue: queue.Queue[Write | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="oms-write-behind", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def submit(self, write: Write) -> None:
        self._raise_failure()
        self._queue.put(write)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self._error = self._error or exc  # the writer drops what is still queued
        self._queue.put(None)
        self._thread.join()
        if exc is None:
            self._raise_failure()

    def _run(self) -> None:
        while (write := self._queue.get()) is not None:
            if self._error is None:
                try:
                    write()
                except BaseException as failure:  # handed to the caller's thread
                    self._error = failure

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error
