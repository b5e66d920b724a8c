"""The Dask cluster a sweep runs on: by default a local cluster of our own, one single-threaded
worker process per core, shut down when the sweep ends; or an existing scheduler's cluster
(`--scheduler tcp://host:8786`), which is left running.

Processes, not threads, by measurement on the 2-core machine (black-friday-fr, a busy machine,
so a rough figure): 20 seeds x online,nearest took 18.8 s on two worker processes and 24.5 s on
two threads of one (the simulation and KPIs are Python and hold the GIL); wave runs, mostly
OR-Tools time with the GIL released, were level (7.9-8.4 s a run on processes, 7.3-7.9 s on
threads). Processes also keep a crash or a leak to one worker. Each process compiles or loads
its numba kernels once (NUMBA_CACHE_DIR is inherited), which the warm-up plugin (`sweep.WarmUp`)
does before its first task.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from distributed import Client, LocalCluster

from oms.domain.errors import ValidationError

SCHEDULER_CONNECT_S = 10.0  # connecting to a scheduler, and waiting for its first worker
_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")


@dataclass(frozen=True)
class ClusterSpec:
    scheduler: str | None = None  # None: a local cluster
    workers: int | None = None  # local cluster only; None: one per core

    @property
    def local_workers(self) -> int:
        return self.workers or default_workers()


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cluster_problems(scheduler: str | None, workers: int | None) -> list[str]:
    """What is wrong with `--scheduler` and `--workers` (an empty list: nothing)."""
    problems = []
    if scheduler is not None:
        match = _ADDRESS.match(scheduler)
        if match is None:
            problems.append(
                f"--scheduler: {scheduler!r} is not a scheduler address like tcp://host:8786"
            )
        elif not 1 <= int(match[3]) <= 65535:
            problems.append(f"--scheduler: port {match[3]} is not in 1..65535")
        if workers is not None:
            problems.append("--workers: sizes the local cluster only, not with --scheduler")
    if workers is not None and workers < 1:
        problems.append(f"--workers: must be >= 1, got {workers}")
    return problems


@contextmanager
def open_client(spec: ClusterSpec) -> Iterator[Client]:
    """A client of the spec's cluster, closed (and a local cluster shut down) on the way out,
    whatever happens inside."""
    if spec.scheduler is not None:
        with _remote(spec.scheduler) as client:
            yield client
        return
    n = spec.local_workers
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # any free port, this host only: no collision
        silence_logs=logging.ERROR,
    )
    try:
        with Client(cluster, set_as_default=False) as client:
            client.wait_for_workers(n)
            yield client
    finally:
        cluster.close()


@contextmanager
def _remote(address: str) -> Iterator[Client]:
    try:
        client = Client(address, timeout=SCHEDULER_CONNECT_S, set_as_default=False)
    except OSError as exc:  # TimeoutError included
        raise ValidationError([f"--scheduler: cannot reach {address}: {exc}"]) from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=SCHEDULER_CONNECT_S)
        except TimeoutError as exc:
            raise ValidationError(
                [f"--scheduler: no worker joined {address} within {SCHEDULER_CONNECT_S:g} s"]
            ) from exc
        yield client
