"""Single sign-on's decisions, without a provider: claims read, rules, and who an identity is."""

import pytest
from sqlmodel import select

from vigilance import single_sign_on as sso
from vigilance.clock import utcnow
from vigilance.models import AuditEvent, SignInRequest, User, UserIdentity

ISSUER = "https://idp.chu-test.example"
PSC = {
    "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS20200608171535",
    "given_name": "Alice",
    "family_name": "Martin",
    "SubjectNameID": "810003456786",
    "SubjectRefPro": {"exercices": [{"activities": [{"numeroFinessSite": "750000010"}]}]},
}


def test_claims_are_read_by_name_or_by_path():
    claims = {"http://schemas.xmlsoap.org/claims/upn": "a@x", "a": {"b": [{"c": 1}, {"c": 2}]}}
    assert sso.claim_at(claims, "http://schemas.xmlsoap.org/claims/upn") == "a@x"
    assert sso.claim_at(claims, "a.b.1.c") == 2
    assert sso.claim_at(claims, "a.b.5.c") is None
    assert sso.claim_at(claims, "a.x") is None


def test_pro_sante_connect_claims_give_the_rpps_number_and_the_site():
    names = sso.ClaimNames(
        rpps="SubjectNameID", establishment="SubjectRefPro.exercices.0.activities.0.numeroFinessSite"
    )
    identity = sso.identity_from(PSC, issuer=ISSUER, names=names)
    assert identity.rpps == "10003456786"  # the national identifier: 8, then the RPPS number
    assert identity.finess == "750000010"
    assert identity.name == "Alice Martin"  # no name claim: the given and family names
    assert identity.email == "" and not identity.email_verified


@pytest.mark.parametrize(
    ("given", "rpps"),
    [("10003456786", "10003456786"), ("810003456786", "10003456786"), ("10003456787", None), ("ADELI123", None)],
)
def test_an_rpps_claim_is_kept_only_when_it_is_one(given, rpps):
    assert sso.read_rpps(given) == rpps


def test_a_finess_claim_is_kept_only_when_it_is_one():
    assert sso.read_finess(" 750000010 ") == "750000010"
    assert sso.read_finess("750000011") is None
    assert sso.read_finess("HOSPITAL") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"claim": "x"}', "a JSON list"),
        ('[{"claim": "g", "value": "v"}]', "claim, value and role"),
        ('[{"claim": "g", "value": "v", "role": "admin"}]', "role must be"),
        ('[{"claim": "g", "value": "v", "role": "correspondent"}]', "at least one queue"),
        ('[{"claim": "g", "value": "v", "role": "reporter", "vigilances": ["cosmetovigilance"]}]', "vigilances"),
    ],
)
def test_unusable_rules_are_refused_saying_why(text, message):
    with pytest.raises(ValueError, match=message):
        sso.parse_rules(text)


def _identity(subject="alice", email="alice@chu-test.example", verified=True, **claims):
    return sso.Identity(
        issuer=ISSUER,
        subject=subject,
        email=email,
        email_verified=verified,
        name="Alice Martin",
        rpps=None,
        finess=claims.pop("finess", "750000010"),
        claims=claims,
    )


def test_an_unknown_person_waits_and_an_administrator_refuses_then_approves(db, make_user, establishment):
    admin = make_user("admin")
    waiting = sso.resolve(db, _identity(), sso.Provisioning(), now=utcnow())
    assert isinstance(waiting, sso.Waiting)
    db.commit()
    sso.refuse(db, waiting.request.id, actor=admin, now=utcnow())
    db.commit()
    assert sso.resolve(db, _identity(), sso.Provisioning(), now=utcnow()) == sso.Refused("refused")
    user = sso.approve(
        db,
        waiting.request.id,
        actor=admin,
        now=utcnow(),
        email="alice@chu-test.example",
        role="reporter",
        establishment=establishment,
        vigilances=[],
    )
    db.commit()
    signed_in = sso.resolve(db, _identity(), sso.Provisioning(), now=utcnow())
    assert signed_in == sso.SignedIn(user=user, how="identity")
    actions = db.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-6:] == [
        "sign_in_request.create",
        "sign_in_request.refuse",
        "account.create",
        "identity.link",
        "sign_in_request.approve",
        "sign_in.oidc",
    ]


def test_a_disabled_account_is_refused(db, make_user):
    from vigilance import accounts

    alice = make_user("reporter", email="alice@chu-test.example")
    sso.link(db, alice, _identity(), actor=None, now=utcnow(), how="test")
    accounts.set_active(db, alice, False)
    db.commit()
    assert sso.resolve(db, _identity(), sso.Provisioning(), now=utcnow()) == sso.Refused("disabled")


@pytest.mark.parametrize(
    ("linking", "verified", "linked"),
    [("off", True, False), ("verified", False, False), ("verified", True, True), ("trusted", False, True)],
)
def test_linking_by_address_follows_the_setting(db, make_user, linking, verified, linked):
    make_user("reporter", email="alice@chu-test.example")
    outcome = sso.resolve(db, _identity(verified=verified), sso.Provisioning(link_by_email=linking), now=utcnow())
    assert isinstance(outcome, sso.SignedIn) is linked
    assert (db.exec(select(UserIdentity)).first() is not None) is linked


RULES = sso.parse_rules(
    '[{"claim": "roles", "value": "Vigilance.Pharmacie", "role": "correspondent", "vigilances": ["pharmacovigilance"]}]'
)


def test_rules_need_a_matching_claim_a_known_establishment_and_an_address(db, establishment):
    rules = sso.Provisioning(mode=sso.RULES, rules=RULES)
    for identity in (
        _identity(roles=["Autre"]),
        _identity(roles=["Vigilance.Pharmacie"], finess="690000005"),  # no such establishment here
        _identity(roles=["Vigilance.Pharmacie"], email=""),
    ):
        assert isinstance(sso.resolve(db, identity, rules, now=utcnow()), sso.Waiting)
        db.rollback()
    made = sso.resolve(db, _identity(roles=["Vigilance.Pharmacie"]), rules, now=utcnow())
    assert made.how == "rules"
    assert (made.user.role, made.user.vigilances, made.user.establishment_id) == (
        "correspondent",
        ["pharmacovigilance"],
        establishment.id,
    )
    assert db.exec(select(SignInRequest)).all() == []
    assert db.exec(select(User).where(User.email == "alice@chu-test.example")).one().password_hash is None
