"""A real OpenID provider for the tests: tests/oidc/provider.mjs, the certified oidc-provider
package (package.json, installed by ``make node-tools``) run with the machine's Node.js."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
CLIENT_ID = "vigilance"
CLIENT_SECRET = "vigilance-test-client-secret"


def node_or_skip() -> str:
    """The machine's node, with oidc-provider installed; a skip otherwise (a failure when
    VIGILANCE_REQUIRE_BROWSER is set, as for the browser tests)."""
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "the OpenID provider needs Node.js (apt-get install nodejs npm)"
    elif not PACKAGE.exists():
        reason = "the OpenID provider needs the npm package oidc-provider (make node-tools)"
    if reason:
        if os.environ.get("VIGILANCE_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return node


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_provider(*, redirect_uris: list[str], post_logout_uris: list[str], **options) -> Iterator[str]:
    """Start the provider on a free port for the given client URIs; yield its issuer URL.

    *options*: ``idTokenSeconds``, ``tokenDelayMs``, ``wrongNonce`` (tests/oidc/provider.mjs).
    """
    node = node_or_skip()
    settings = {
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "redirectUris": redirect_uris,
        "postLogoutRedirectUris": post_logout_uris,
        **options,
    }
    for _attempt in range(3):  # the port chosen may be taken in between by another process
        settings["port"] = port = free_port()
        with tempfile.TemporaryFile("w+") as log:
            process = subprocess.Popen(
                [node, str(SCRIPT)],
                cwd=ROOT,
                env={**os.environ, "OIDC_TEST_SETTINGS": json.dumps(settings)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                issuer = f"http://127.0.0.1:{port}"
                if _listening(process, log, issuer):
                    yield issuer
                    return
            finally:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.seek(0)
            output = log.read()
    raise RuntimeError(f"the OpenID provider did not start:\n{output}")


def _listening(process: subprocess.Popen, log, issuer: str) -> bool:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        log.seek(0)
        if f"listening {issuer}" in log.read():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.05)
    return False


_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"')


def sign_in_at_provider(http, start_url: str, login: str):
    """Drive the provider's development sign-in with *http* (a requests session) from the
    service's *start_url* (``/login/oidc``): the login (any password), the consent, and back.

    A browser still signed in at the provider goes straight back. Returns the last answer, the
    service's, redirects followed."""
    answer = http.get(start_url)
    if 'name="prompt" value="login"' in answer.text:  # else still signed in at the provider
        answer = _submit(http, answer, {"prompt": "login", "login": login, "password": "any"})
    if 'name="prompt" value="consent"' in answer.text:
        answer = _submit(http, answer, {"prompt": "consent"})
    return answer


def _submit(http, page, data):
    match = _FORM_ACTION.search(page.text)
    assert match, f"no form at {page.url}: {page.status_code} {page.text[:500]}"
    return http.post(urljoin(page.url, match.group(1)), data=data)
