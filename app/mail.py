"""SMTP delivery, configured by ``VIGILANCE_SMTP_URL`` (``smtp://user:pass@host:port``, ``smtps://``)."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit


class SmtpMailer:
    """Sends multipart (plain text and HTML) messages, keeping one connection for a batch.

    Not thread-safe: one delivery job uses it at a time (the job runs with ``max_instances=1``).
    """

    def __init__(self, url: str, *, sender: str, timeout: float = 20):
        """*sender*: the From address (``app.config.mail_sender``: VIGILANCE_MAIL_FROM or its default)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps", "smtp+starttls"):
            raise ValueError("VIGILANCE_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, *, to: str, subject: str, text: str, html: str, message_id: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        # The same id on a resend lets mail clients show one message.
        message["Message-ID"] = message_id
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        try:
            self._connection().send_message(message)
        except smtplib.SMTPServerDisconnected:
            # The server closed a connection kept from an earlier batch: one new try.
            self.close()
            self._connection().send_message(message)
        except Exception:
            self.close()
            raise

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            if self.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        """End the connection (after a batch, or after a failure)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
