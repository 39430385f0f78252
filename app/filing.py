"""Filing a report once, whatever the door: the API's Idempotency-Key and the form's token."""

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlmodel import Session

from app.db import get_engine, get_session
from vigilance import idempotency, intake
from vigilance.clock import utcnow
from vigilance.intake import Draft, Intake
from vigilance.models import User
from vigilance.storage.transaction import write_transaction


def file_report(
    *,
    draft: Draft,
    actor: User,
    key: str | None,
    fingerprint_of: Any,
    answer: Callable[[Session, Intake], dict[str, Any]],
) -> tuple[int, dict[str, Any]]:
    """Submit *draft* once per *key*; return the HTTP status and the answer to give.

    With a key, a retry of the same request gets the first answer back and creates nothing;
    a refused request releases its key so it can be fixed and sent again.
    """
    claim = None
    db = get_session()
    if key:
        # The claim is committed on a session of its own, before the work it is for.
        with write_transaction(get_engine()) as claims:
            claim = idempotency.claim(
                claims, user_id=actor.id, key=key, fingerprint=idempotency.request_hash(fingerprint_of), now=utcnow()
            )
        if claim.replay:
            return claim.replay
    try:
        with write_transaction(db):
            result = intake.submit(db, draft=draft, actor=actor, now=utcnow(), base_url=current_app.config["BASE_URL"])
            body = answer(db, result)
            if claim:
                idempotency.complete(db, record_id=claim.record_id, status=201, body=body)
    except BaseException:
        if claim:
            with write_transaction(get_engine()) as claims:
                idempotency.release(claims, record_id=claim.record_id)
        raise
    return 201, body
