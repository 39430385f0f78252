"""A real Chromium (Debian's) driven by Playwright (the ``browser`` and ``page`` fixtures of
tests/conftest.py), against the app served on a local port."""

import os
import threading

import pytest
from werkzeug.serving import make_server


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
