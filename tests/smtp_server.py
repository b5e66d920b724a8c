"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): keeps every message it accepts,
parsed, refuses the recipients it is told to, and can go down and come back on the same port."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    port: int = field(default_factory=free_port)
    refused: set[str] = field(default_factory=set)  # recipients answered 550
    messages: list[EmailMessage] = field(default_factory=list)
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def up(self) -> SmtpServer:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def keep(self, raw: bytes) -> None:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m in self.received() if m["To"] == recipient]

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[EmailMessage]:
        """The messages once there are at least ``count`` (the test fails after the timeout)."""
        until = time.monotonic() + timeout_s
        while len(self.received()) < count and time.monotonic() < until:
            time.sleep(0.05)
        found = self.received()
        assert len(found) >= count, f"{len(found)} messages, not {count}: {subjects(found)}"
        return found


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.server.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.keep(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def subjects(messages: list[EmailMessage]) -> list[str]:
    return [str(m["Subject"]) for m in messages]


def bodies(message: EmailMessage) -> tuple[str, str]:
    """The plain text and HTML alternatives of a message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())
