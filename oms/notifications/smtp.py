"""The SMTP side of the mailer, on the standard library alone: ``OMS_SMTP_URL`` says where and
how (``smtp://`` plain, ``smtp+starttls://`` upgraded with STARTTLS, ``smtps://`` TLS from the
first byte; ``user:password@`` to log in, percent-encoded), and each batch of mails goes over
one connection. A message is multipart (plain text and HTML alternatives) and carries its
language (Content-Language) and its stable Message-ID.

Error details name the SMTP reply, never the recipient: they are logged and kept."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from oms.notifications.mailer import Mail, SendError

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://user:pass@host:port`` and its TLS variants; a ValueError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in PORTS:
        known = ", ".join(PORTS)
        raise ValueError(f"OMS_SMTP_URL: the scheme is one of {known}, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("OMS_SMTP_URL: no host")
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def email_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    # After the body: making it multipart moves every Content-* header into the first part.
    message["Content-Language"] = mail.locale
    return message


class SmtpSender:
    def __init__(self, url: str, sender: str, timeout_s: float = 10.0) -> None:
        self.server, self.sender, self.timeout_s = parse_smtp_url(url), sender, timeout_s

    def send(self, mails: Sequence[Mail]) -> list[SendError | None]:
        results: list[SendError | None] = []
        try:
            with self._connect() as smtp:
                for mail in mails:
                    results.append(self._one(smtp, mail))
        except (OSError, smtplib.SMTPException) as exc:  # no connection, or it broke
            error = SendError(f"SMTP {self.server.host}:{self.server.port}: {_reply(exc)}")
            results += [error] * (len(mails) - len(results))
        return results

    def _connect(self) -> smtplib.SMTP:
        s = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout_s)
        try:
            if s.scheme == "smtp+starttls":
                smtp.starttls(context=context)
            if s.username is not None:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _one(self, smtp: smtplib.SMTP, mail: Mail) -> SendError | None:
        try:
            smtp.send_message(email_message(mail, self.sender))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            permanent = all(500 <= code < 600 for code in codes)
            return SendError(f"recipient refused ({codes})", permanent=permanent)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the connection: the rest wait
                raise
            # A 5xx refuses this message for good, unless it refuses our sender (a setting
            # to fix, after which the retries go through).
            ours = isinstance(exc, smtplib.SMTPSenderRefused)
            permanent = 500 <= exc.smtp_code < 600 and not ours
            return SendError(f"refused: {_reply(exc)}", permanent=permanent)
        return None


def _reply(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error
        message = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
        return _no_address(f"{exc.smtp_code} {message}")[:300]
    return _no_address(f"{type(exc).__name__}: {exc}")[:300]


def _no_address(said: str) -> str:
    """A server's reply often quotes the recipient: not in our logs or rows."""
    return re.sub(r"<?[^\s<>@]+@[^\s<>]+>?", "<address>", said)
