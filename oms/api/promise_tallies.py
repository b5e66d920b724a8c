"""Writes this process's promise tallies (`oms.promise.outcomes`) to the database every few
seconds and once more at shutdown, off the request path: checkout's promises write nothing."""

from __future__ import annotations

import logging
import threading

from oms.api.state import AppState
from oms.kpis.service import write_promise_outcomes

log = logging.getLogger("oms.api")
EVERY_S = 10.0


def write_tallies_once(state: AppState) -> int:
    with state.unit_of_work() as uow:
        return write_promise_outcomes(uow, state.networks.outcomes)


def write_tallies_forever(state: AppState, stop: threading.Event, every_s: float = EVERY_S) -> None:
    """Until ``stop`` is set, then a last write (what could not be written stays counted)."""
    while not stop.wait(every_s):
        _write(state)
    _write(state)


def _write(state: AppState) -> None:
    try:
        write_tallies_once(state)
    except Exception:
        log.exception("writing the promise tallies failed (kept for the next write)")
