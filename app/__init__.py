"""The web application: ``create_app()`` builds it; nothing here runs at import time."""

from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class VigilanceFlask(Flask):
    """Flask, without its check for coroutines on every call of a view or hook.

    No view or hook of the service is a coroutine (it runs under gunicorn's sync workers), and
    Flask asks ``inspect.iscoroutinefunction`` of each one before every call: ten times per
    request, about 10 µs of every API call (bench/README.md).
    """

    def ensure_sync(self, func):
        return func


def create_app(test_config: dict[str, Any] | None = None, *, serving: bool = True) -> Flask:
    """Create and configure an instance of the service.

    *serving*: the app answers requests (a WSGI server's ``create_app()``, ``vigilance run``), so
    production refuses to build it while demo accounts can sign in. The other commands build it
    with ``serving=False``: they must work on such a database, to disable those accounts.
    """
    from flask_wtf.csrf import CSRFProtect

    from app import auth, db, errors, i18n, operations, pages, request_limits, security_headers, templating, text_guard
    from app.api import API_BLUEPRINTS, TOKEN_BLUEPRINTS
    from app.api import init_app as init_api
    from app.config import load_config
    from vigilance import audit_keys, passwords

    app = VigilanceFlask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    config = load_config(Path(app.instance_path), test_config)
    app.config.update(config)
    app.config["TESTING"] = config["ENV"] == "testing" or bool(config.get("TESTING"))
    app.config["MAX_CONTENT_LENGTH"] = config["JSON_MAX_BYTES"]
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    passwords.use_method(app.config["PASSWORD_HASH"])
    audit_keys.use_key(app.config["AUDIT_KEY"])

    operations.init_app(app)
    db.init_app(app)
    if serving and app.config["ENV"] == "production":
        from app.start_checks import refuse_demo_accounts

        refuse_demo_accounts(app.extensions["vigilance.db"])
    auth.init_app(app)
    i18n.init_app(app)
    request_limits.init_app(app)  # before anything reads the body
    text_guard.init_app(app, after_token_check=TOKEN_BLUEPRINTS)
    init_api(app)
    errors.init_app(app)
    pages.init_app(app)
    templating.init_app(app)
    security_headers.init_app(app)
    # Pages post forms with the session cookie: they need CSRF tokens. The API is called with
    # bearer tokens, which a third-party site cannot make a browser send.
    csrf = CSRFProtect(app)
    for name, blueprint in app.blueprints.items():
        if name in API_BLUEPRINTS:
            csrf.exempt(blueprint)
    # No scheduler here: building the app must have no side effect, or every command would
    # run the clocks (`vigilance db upgrade` ran them against tables not yet created).
    # `vigilance run` starts the embedded one; `vigilance worker` runs its own.
    return app
