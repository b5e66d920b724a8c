"""Start a server on loopback, load it with wrk, stop it. Bounded in time; loopback only."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn_server(
    target: str, env: dict[str, str], *, factory: bool, ready: str, workers: int = 1
) -> Iterator[str]:
    """uvicorn with uvloop and httptools, one worker unless asked; yields its base URL once
    `ready` answers (with several workers, once each of them has: see _wait_ready)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if factory:
        cmd.append("--factory")
    if workers > 1:
        cmd += ["--workers", str(workers)]
    # The server's access log (a line per request) goes to a file, not the benchmark's output.
    root = Path(__file__).parents[1]
    log = root / "var" / f"bench-server-{port}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, cwd=root, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_ready(proc, base + ready, answers=5 * workers)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; its log ends: {log.read_text()[-2000:]}") from None
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.unlink(missing_ok=True)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, *, answers: int) -> None:
    """Until `url` has answered 200 that many times in a row (with several workers behind one
    socket, a run of answers is likely to include each of them); bounded by two minutes."""
    deadline, in_a_row = time.monotonic() + 120, 0
    while in_a_row < answers:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                in_a_row = in_a_row + 1 if r.status == 200 else 0
        except OSError:
            in_a_row = 0
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"server at {url} did not become ready")
        if in_a_row == 0:
            time.sleep(0.2)


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk_post(
    url: str,
    body: dict[str, object] | list[dict[str, object]],
    headers: dict[str, str],
    *,
    seconds: int = 5,
    connections: int = 32,
) -> Load:
    """POST one body, or one of several bodies picked at random per request."""
    bodies = body if isinstance(body, list) else [body]
    lua = "\n".join(
        [
            'wrk.method = "POST"',
            'wrk.headers["Content-Type"] = "application/json"',
            *(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()),
            "bodies = {" + ", ".join(json.dumps(json.dumps(b)) for b in bodies) + "}",
            "request = function()",
            "  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])",
            "end",
        ]
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    os.unlink(f.name)
    return Load(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_latency(out, "50%"),
        p99_ms=_latency(out, "99%"),
        non_2xx=int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
    )


def _latency(out: str, pct: str) -> float:
    m = re.search(rf"{re.escape(pct)}\s+([\d.]+)(us|ms|s)", out)
    assert m, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return float(m.group(1)) * scale
