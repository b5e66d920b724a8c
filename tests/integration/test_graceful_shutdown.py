"""SIGTERM to a real `oms serve`: the request in flight is answered, then the server stops."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from tests.live_server import LiveServer

BODY = b'{"lines": [{"sku": "MUG", "qty": 1}], "destination": {"lat": 48.85, "lon": 2.35}}'


def _read_response(sock: socket.socket) -> bytes:
    """Until the server closes the connection (it answers with `Connection: close`)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_the_request_in_flight_finish_then_the_server_exits(tmp_path, workers):
    with LiveServer(f"sqlite:///{tmp_path / 'oms.db'}", tmp_path, "--workers", str(workers)) as s:
        assert s.proc is not None
        # A request in flight: its headers are in, half its body is not yet.
        head = (
            b"POST /v1/promise HTTP/1.1\r\nHost: oms\r\nContent-Type: application/json\r\n"
            b"X-Request-ID: in-flight-1\r\nContent-Length: %d\r\n\r\n" % len(BODY)
        )
        with socket.create_connection(("127.0.0.1", s.port), timeout=15) as sock:
            sock.sendall(head + BODY[:20])
            time.sleep(0.5)
            os.kill(s.proc.pid, signal.SIGTERM)  # to the server's process only, as an orchestrator
            time.sleep(1.0)
            assert s.proc.poll() is None, "the server left without answering the request"
            sock.sendall(BODY[20:])
            response = _read_response(sock)
            answered = time.monotonic()
        status_line, _, rest = response.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 401 Unauthorized"  # no key: answered all the same
        assert b"x-request-id: in-flight-1" in rest.lower()
        returncode = s.proc.wait(timeout=15)
        # The lifespan's shutdown (the sweeper stops, the engine is disposed) takes no time:
        # a sweeper that did not stop would hold it for its 5 s join.
        assert time.monotonic() - answered < 4.5
        log = s.log.read_text()
    assert "Traceback" not in log, log[-3000:]
    assert '"request_id":"in-flight-1"' in log and '"status":401' in log
    # uvicorn raises the SIGTERM again once it has shut down; `oms serve` exits 0 by it.
    assert returncode == 0
