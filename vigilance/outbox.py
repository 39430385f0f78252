"""Queue emails in the caller's transaction; deliver them later, once, with retries.

Queueing writes a row with a unique key per effect (deadline, stage, recipient): queueing the
same effect again is a no-op, so a reminder is never queued twice. Delivery claims due rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite a single sender at a time, which sends
outside any transaction), sends, and records each send in its own transaction: a crash can at
worst resend the one message whose sending was not yet recorded.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, col, select

from vigilance.inserts import insert_unless_present
from vigilance.models import OutboxMessage
from vigilance.storage.transaction import end_read, read_only, write_transaction

logger = logging.getLogger(__name__)

#: Attempts before a message is given up (and shown to admins as failed).
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str, html: str, message_id: str) -> None: ...


class Recipient(Protocol):
    """A user, or any row carrying the three fields an outbox row copies from one."""

    id: int | None
    email: str
    language: str


def _row(*, key: str, recipient: Recipient, email: Email, now: datetime) -> dict:
    return dict(
        dedupe_key=key[:200],
        recipient_id=recipient.id,
        recipient_email=recipient.email,
        language=recipient.language,
        subject=email.subject[:300],
        text_body=email.text,
        html_body=email.html,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        sent_at=None,
        last_error=None,
    )


def _insert_new(session: Session):
    """``INSERT`` that leaves a row already queued under the same key as it is."""
    return insert_unless_present(session, OutboxMessage.__table__, ["dedupe_key"])


def enqueue(session: Session, *, key: str, recipient: Recipient, email: Email, now: datetime) -> bool:
    """Queue *email* for *recipient* under *key*; return whether it was new."""
    statement = _insert_new(session).values(**_row(key=key, recipient=recipient, email=email, now=now))
    # RETURNING rather than rowcount: under RETURNING the driver reports no row count, and an
    # insert skipped on conflict returns no row.
    return session.execute(statement.returning(OutboxMessage.__table__.c.id)).first() is not None


def enqueue_many(session: Session, messages: Iterable[tuple[str, Recipient, Email]], *, now: datetime) -> None:
    """Queue each ``(key, recipient, email)`` in one statement; keys already queued are left as they are."""
    rows = [_row(key=key, recipient=recipient, email=email, now=now) for key, recipient, email in messages]
    if rows:
        session.connection().execute(_insert_new(session), rows)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min... at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def deliver(engine, mailer: Mailer, *, now_fn, batch: int = 50, sole_sender: bool = False) -> int:
    """Send what is due, one message at a time; return how many were sent.

    By default a message stays locked while it is sent (``FOR UPDATE SKIP LOCKED``): another
    sender skips it, and one that dies frees it at once. That holds one row on PostgreSQL, but
    the whole database on SQLite, whose single writer would wait for every SMTP exchange (a
    clinician's report included, for as long as a slow mail server takes). With *sole_sender*
    the caller guarantees that no other delivery runs meanwhile: each message is read, sent
    outside any transaction, and its outcome recorded in a short one. Either way a sender that
    dies mid-send leaves that one message to be sent again.
    """
    sent = 0
    for _ in range(batch):
        now = now_fn()
        with Session(engine, expire_on_commit=False) as session:
            due = (
                select(OutboxMessage)
                .where(OutboxMessage.state == "pending", col(OutboxMessage.next_attempt_at) <= now)
                .order_by(col(OutboxMessage.next_attempt_at))
                .limit(1)
            )
            if sole_sender:
                # Only read (the message stays loaded), and end the read: nothing is held while it is sent.
                message = read_only(session).exec(due).first()
                end_read(session)
            else:
                message = session.exec(due.with_for_update(skip_locked=True)).first()
            if message is None:
                return sent
            error = _send(mailer, message)
            with write_transaction(session):
                if sole_sender:
                    message = session.get(OutboxMessage, message.id, populate_existing=True)
                    if message is None or message.state != "pending":
                        continue  # settled by someone else meanwhile (an admin)
                _settle(message, now=now, error=error)
                session.add(message)
            sent += error is None
    return sent


def _send(mailer: Mailer, message: OutboxMessage) -> Exception | None:
    try:
        mailer.send(
            to=message.recipient_email,
            subject=message.subject,
            text=message.text_body,
            html=message.html_body,
            message_id=f"<outbox-{message.id}@vigilance.invalid>",
        )
    except Exception as error:  # any transport failure: retry later, keep it visible
        return error
    return None


def _settle(message: OutboxMessage, *, now: datetime, error: Exception | None) -> None:
    """Record a sending: sent, or failed and due again after a backoff, or given up."""
    message.attempts += 1
    if error is None:
        message.state = "sent"
        message.sent_at = now
        message.last_error = None
        return
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.state = "failed"
        logger.error("Mail %s to %s given up: %s", message.id, message.recipient_email, message.last_error)
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        logger.warning(
            "Mail %s to %s failed (attempt %s): %s",
            message.id,
            message.recipient_email,
            message.attempts,
            message.last_error,
        )


def retry(session: Session, *, message_id: int, now: datetime) -> OutboxMessage | None:
    """An admin sends a failed (or waiting) message again now."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.state == "sent":
        return None
    message.state = "pending"
    message.next_attempt_at = now
    message.attempts = 0
    session.add(message)
    session.flush()
    return message
