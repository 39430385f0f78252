"""After switching language or signing in, ``?next=`` leads only to a page of this site."""

import pytest

from app.pages.security import safe_next
from tests.page_session import PASSWORD, csrf_from

#: Each of these, followed by a browser, leaves the site (or breaks the answer).
OFF_SITE = (
    "/\t/evil.example",  # ?next=/%09/evil.example: browsers drop the tab
    "/\n/evil.example",
    "/\r/evil.example",  # ?next=/%0D/...: a line break in Location was a 500
    "/\r\nSet-Cookie: x=1",
    "//evil.example",
    "//x",
    "/\\x",
    "/\\/evil.example",
    "\\\\evil.example",
    "https://x",
    "https:/x",
    "javascript:alert(1)",
    "x",
    "evil.example/path",
    " /x",
    "/%09/evil.example",  # encoded once more: a later hop may decode it
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%0D%0ALocation:%20//evil.example",
    "/%252F/evil.example",
    "/%25252F/evil.example",
    "/\x7f/evil.example",
    "/\u3000/evil.example",
)
ON_SITE = (
    "/",
    "/reports/mine",
    "/reports/mine?before=12&q=a%20b",
    "/triage/haemovigilance?status=new#top",
    "/login?next=/",
)


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_every_way_off_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ON_SITE)
def test_safe_next_keeps_paths_of_this_site(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("query", ["/%09/evil.example", "/%0D/evil.example", "//evil.example", "/%5C/evil.example"])
def test_the_language_switch_stays_on_site(client, query):
    answer = client.get(f"/language/fr?next={query}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


@pytest.mark.parametrize("query", ["/%09/evil.example", "/%0D/evil.example", "https://evil.example", "/%5C%5Cevil"])
def test_signing_in_stays_on_site(client, reporter, query):
    page = client.get(f"/login?next={query}").get_data(as_text=True)
    answer = client.post(
        f"/login?next={query}", data={"email": reporter.email, "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/reports/new"
    again = client.get(f"/login?next={query}")  # signed in already: sent on at once
    assert again.status_code == 302 and again.headers["Location"] == "/reports/mine"


def test_signing_in_follows_a_path_of_this_site(client, reporter):
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login?next=/reports/mine", data={"email": reporter.email, "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert answer.headers["Location"] == "/reports/mine"
