"""0026: the single sign-on tables, down and up again; an identity and a request kept."""

from sqlalchemy import inspect
from sqlmodel import Session

from app.cli import cli


def test_the_tables_go_and_come_back(app, runner):
    from vigilance import accounts, single_sign_on
    from vigilance.clock import utcnow

    # "heads" and "-1": the same test before and after the lead re-chains 0026 after the
    # migrations merged before it (until then it is a second head beside them).
    result = runner.invoke(cli, ["db", "upgrade", "heads"])
    assert result.exit_code == 0, result.output
    engine = app.extensions["vigilance.db"]
    assert {"user_identities", "sign_in_requests"} <= set(inspect(engine).get_table_names())
    result = runner.invoke(cli, ["db", "downgrade", "0026_single_sign_on-1"])
    assert result.exit_code == 0, result.output
    assert not {"user_identities", "sign_in_requests"} & set(inspect(engine).get_table_names())
    result = runner.invoke(cli, ["db", "upgrade", "heads"])
    assert result.exit_code == 0, result.output
    inspector = inspect(engine)
    assert {u["name"] for u in inspector.get_unique_constraints("user_identities")} == {
        "uq_user_identities_issuer_subject"
    }
    with Session(engine, expire_on_commit=False) as db:
        place = accounts.create_establishment(db, finess="750000010", name="CHU")
        user = accounts.create_user(db, email="a@example.org", role="reporter", establishment=place)
        identity = single_sign_on.Identity(
            issuer="https://idp.example.org",
            subject="a",
            email="",
            email_verified=False,
            name="",
            rpps=None,
            finess=None,
        )
        single_sign_on.link(db, user, identity, actor=None, now=utcnow(), how="test")
        other = single_sign_on.Identity(
            issuer="https://idp.example.org",
            subject="b",
            email="b@example.org",
            email_verified=False,
            name="B",
            rpps="10003456786",
            finess="750000010",
        )
        outcome = single_sign_on.resolve(db, other, single_sign_on.Provisioning(), now=utcnow())
        db.commit()
        assert outcome.request.rpps == "10003456786"
        again = single_sign_on.resolve(db, identity, single_sign_on.Provisioning(), now=utcnow())
        assert again.user.id == user.id
