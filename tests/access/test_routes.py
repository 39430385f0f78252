"""Every route against every role: the access table (``tests/access/routes.py``) is complete, each
role it names succeeds, each other is refused with nothing stored, and so are a revoked token, a
disabled account and a signed-out session. Runs on SQLite, and on PostgreSQL with
VIGILANCE_TEST_DATABASE_URL."""

import re
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.access.routes import ANONYMOUS, ROLES, ROUTES, Route
from tests.access.world import Credentials, World
from tests.pdf_text import pdf_text

#: What an answer is allowed to be when it refuses.
REFUSALS = (401, 403, 404)


def _id(route: Route, role: str | None = None) -> str:
    return route.name + (f" as {role}" if role else "")


def _sent_to_sign_in(response) -> bool:
    return response.status_code in (302, 303) and urlsplit(response.headers.get("Location", "")).path == "/login"


def _text(response) -> str:
    if response.mimetype == "application/pdf":
        # A generated PDF's text is compressed: read as poppler reads it. (An attached file the
        # tests made up is no document poppler reads: its bytes are read as they are.)
        try:
            return pdf_text(response.data)
        except subprocess.CalledProcessError:
            return response.data.decode(errors="replace")
    return response.get_data(as_text=True)


def _shows(response, reference: str) -> bool:
    return re.search(re.escape(reference) + r"(?!\d)", _text(response)) is not None


def assert_refused(world: World, route: Route, credentials: Credentials, case, what: str) -> None:
    """Refused (or sent to sign in, for a page), and nothing of the request stored."""
    before = world.row_counts()
    response = world.send(route, case, credentials)
    refused = response.status_code in REFUSALS or (not route.api and _sent_to_sign_in(response))
    assert refused, f"{what}: {route.name} answered {response.status_code} {response.headers.get('Location', '')}"
    assert not _shows(response, case.reference), f"{what}: {route.name} shows the case"
    assert world.row_counts() == before, f"{what}: {route.name} stored something"


def test_every_route_has_its_line_in_the_access_table(world):
    served = {
        (method, rule.rule) for rule in world.app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {route.key for route in ROUTES}
    assert served - described == set(), "routes without their line in tests/access/routes.py"
    assert described - served == set(), "lines of tests/access/routes.py for routes that do not exist"
    for route in ROUTES:
        assert route.allowed <= set(ROLES) and route.sees_case | route.may_show_case <= route.allowed, route.name


ALLOWED = [
    pytest.param(route, role, id=_id(route, role)) for route in ROUTES for role in ROLES if role in route.allowed
]
REFUSED = [
    pytest.param(route, role, id=_id(route, role)) for route in ROUTES for role in ROLES if role not in route.allowed
]
#: Lines that a signed-in person may use: where credentials that no longer hold must be refused.
GUARDED = [route for route in ROUTES if not route.public and route.allowed]


@pytest.mark.parametrize(("route", "role"), ALLOWED)
def test_the_roles_named_succeed(world, route, role):
    live = world.casts["live"]
    case = world.new_case(prepared=route.prepared) if route.writes else live.case
    before = world.row_counts() if route.writes and route.stores else None
    credentials = world.session_of_its_own(live, role) if route.ends_session else live.credentials[role]
    response = world.send(route, case, credentials)
    assert response.status_code < 400 or response.status_code in route.ok, response.get_data(as_text=True)[:2000]
    if before is not None:
        # Done, not refused on the way (a page says a refusal in a notice after a redirect).
        assert world.row_counts() != before, "nothing was stored"
    if not route.public:
        assert not _sent_to_sign_in(response)
    if role in route.sees_case:
        assert _shows(response, case.reference)
    elif role not in route.may_show_case:
        assert not _shows(response, case.reference), "the answer shows a case this role may not read"


@pytest.mark.parametrize(("route", "role"), REFUSED)
def test_the_other_roles_are_refused_and_nothing_is_stored(world, route, role):
    live = world.casts["live"]
    assert_refused(world, route, live.credentials[role], live.case, role)


@pytest.mark.parametrize("route", [pytest.param(r, id=_id(r)) for r in GUARDED if r.api])
def test_a_revoked_token_is_refused(world, route):
    live = world.casts["live"]
    for role in sorted(route.allowed - {ANONYMOUS}):
        assert_refused(world, route, world.revoked[role], live.case, f"revoked token of {role}")


@pytest.mark.parametrize("route", [pytest.param(r, id=_id(r)) for r in GUARDED])
def test_a_disabled_account_is_refused(world, route):
    disabled = world.casts["disabled"]
    for role in sorted(route.allowed - {ANONYMOUS}):
        assert_refused(world, route, disabled.credentials[role], disabled.case, f"disabled {role}")


def test_a_session_cookie_replayed_after_sign_out_is_refused(world):
    """A cookie copied before signing out, sent again after: refused on every line, whoever it was."""
    signed_out = world.casts["signed_out"]
    for route in GUARDED:
        for role in sorted(route.allowed - {ANONYMOUS}):
            # The cookie alone: an API line gets no token, so it is refused there in any case.
            credentials = Credentials(
                cookie=signed_out.credentials[role].cookie, csrf=signed_out.credentials[role].csrf
            )
            assert_refused(world, route, credentials, signed_out.case, f"signed-out {role}")
