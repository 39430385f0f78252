"""Mail through a real SMTP server: multipart, retried with backoff while SMTP is down, sent once."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.mail import SmtpMailer
from vigilance import outbox
from vigilance.models import OutboxMessage
from vigilance.notifications import compose

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def queue_one(db, user, key="reminder:1"):
    email = compose(
        "deadline_reminder",
        user.language,
        reference="VIG-2026-000042",
        product="CGR",
        queue="haemovigilance",
        action="Déclarer l'EIR à l'ANSM",
        due_at=NOW + timedelta(hours=48),
        time_left=None,
        link="https://vigilance.example.org/queue-items/7",
        stage_label="Rappel (50%)",
        overdue=False,
    )
    outbox.enqueue(db, key=key, recipient=user, email=email, now=NOW)
    db.commit()


def test_a_queued_email_arrives_as_multipart_text_and_html(engine, db, make_user, smtp_server):
    user = make_user("correspondent", vigilances=["haemovigilance"])
    queue_one(db, user)
    mailer = SmtpMailer(smtp_server.url, sender="vigilance@chu.example")
    sent = outbox.deliver(engine, mailer, now_fn=lambda: NOW)
    mailer.close()
    assert sent == 1
    ((recipients, message),) = smtp_server.inbox.messages
    assert recipients == [user.email]
    assert message["Subject"].startswith("[VIG-2026-000042] Rappel (50%)")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "https://vigilance.example.org/queue-items/7" in text
    assert 'href="https://vigilance.example.org/queue-items/7"' in html and "<img" not in html
    db.rollback()
    assert db.exec(select(OutboxMessage)).one().state == "sent"


def test_the_same_effect_is_queued_once(db, make_user):
    user = make_user("correspondent", vigilances=["haemovigilance"])
    queue_one(db, user)
    queue_one(db, user)
    assert len(db.exec(select(OutboxMessage)).all()) == 1


def test_smtp_down_then_up_delivers_once(engine, db, make_user, smtp_server):
    user = make_user("correspondent", vigilances=["haemovigilance"])
    queue_one(db, user)
    mailer = SmtpMailer(smtp_server.url, sender="vigilance@chu.example", timeout=2)
    smtp_server.stop()
    assert outbox.deliver(engine, mailer, now_fn=lambda: NOW) == 0
    db.rollback()
    waiting = db.exec(select(OutboxMessage)).one()
    assert waiting.state == "pending" and waiting.attempts == 1 and waiting.last_error
    assert waiting.next_attempt_at == NOW + timedelta(seconds=30)
    # Too early for the next attempt: nothing is tried.
    smtp_server.start()
    assert outbox.deliver(engine, mailer, now_fn=lambda: NOW + timedelta(seconds=10)) == 0
    assert outbox.deliver(engine, mailer, now_fn=lambda: NOW + timedelta(seconds=31)) == 1
    assert outbox.deliver(engine, mailer, now_fn=lambda: NOW + timedelta(hours=5)) == 0
    mailer.close()
    assert len(smtp_server.inbox.messages) == 1


def test_a_message_that_keeps_failing_is_given_up_and_shown_to_admins(engine, db, make_user, client):
    user = make_user("correspondent", vigilances=["haemovigilance"])
    queue_one(db, user)
    broken = SmtpMailer("smtp://127.0.0.1:9", sender="vigilance@chu.example", timeout=1)
    moment = NOW
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver(engine, broken, now_fn=lambda moment=moment: moment)
        moment += outbox.LONGEST_WAIT
    db.rollback()
    failed = db.exec(select(OutboxMessage)).one()
    assert failed.state == "failed" and "Error" in failed.last_error
    from tests.page_session import sign_in

    admin = make_user("admin")
    sign_in(client, admin)
    page = client.get("/admin/outbox?state=failed").get_data(as_text=True)
    assert "VIG-2026-000042" in page and "<td>en échec</td>" in page  # the state in the reader's words
    assert client.get("/admin/outbox").status_code == 200
    client.post("/logout", data={})
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user)
    assert client.get("/admin/outbox").status_code == 404


def test_a_report_is_filed_while_an_email_is_being_sent_and_no_second_sender_takes_it(
    app, engine, db, make_user, token_for
):
    """Sending takes as long as the mail server does: nothing else waits for it (on SQLite the
    transaction it used to hold was the database's only write lock), and meanwhile a second
    delivery run sends nothing."""
    import threading

    from app.scheduler import deliver_mail
    from tests.report_payloads import a_report

    reporter = make_user("reporter")
    headers = token_for(reporter)
    queue_one(db, make_user("correspondent", vigilances=["haemovigilance"]))
    seen = {}

    def within(seconds, action):
        outcome = {}
        helper = threading.Thread(target=lambda: outcome.update(result=action()))
        helper.start()
        helper.join(timeout=seconds)
        return outcome.get("result", "still waiting"), helper

    class SlowMailServer:
        def send(self, **_message):
            seen["filed"], filing = within(
                5,
                # A report that alerts nobody (tests/app/test_alerts.py): only the one email is due.
                lambda: (
                    app.test_client()
                    .post(
                        "/api/v1/reports",
                        json=a_report(event_kind="incident", serious=False, severity_grade=None),
                        headers=headers,
                    )
                    .status_code
                ),
            )
            seen["second run"], second = within(5, lambda: deliver_mail(app))
            seen["helpers"] = (filing, second)

        def close(self):
            pass

    app.config["SMTP_URL"] = "smtp://mail.example.org"
    app.extensions["vigilance.mailer"] = SlowMailServer()

    assert deliver_mail(app) == 1
    for helper in seen.pop("helpers"):
        helper.join(timeout=30)
    assert seen == {"filed": 201, "second run": 0}
    db.rollback()
    assert db.exec(select(OutboxMessage.state)).all() == ["sent"]
