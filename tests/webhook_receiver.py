"""A real webhook receiver for the tests: an HTTP server on 127.0.0.1 that verifies every
request's Standard Webhooks signature with the ``standardwebhooks`` library, keeps what it
received, answers the status it is told to, and can go down and come back on the same port."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    body: dict[str, Any]
    answered: int


@dataclass
class Receiver:
    secrets: dict[str, str] = field(default_factory=dict)  # path -> its endpoint's secret
    status: int = 200
    received: list[Received] = field(default_factory=list)
    forged: list[str] = field(default_factory=list)  # requests whose signature did not verify
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def up(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.take(self.path, raw, dict(self.headers.items()))
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def take(self, path: str, raw: bytes, headers: dict[str, str]) -> None:
        secret = self.secrets.get(path)
        with self._lock:
            try:
                if secret is None:
                    raise WebhookVerificationError(f"no secret for {path}")
                Webhook(secret).verify(raw, headers)
            except WebhookVerificationError as exc:
                self.forged.append(f"{path}: {exc}")
                return
            body = json.loads(raw)
            self.received.append(Received(headers["webhook-id"], body, self.status))

    def delivered(self) -> list[Received]:
        """What was received and answered with a 2xx, in arrival order."""
        with self._lock:
            return [r for r in self.received if 200 <= r.answered < 300]
