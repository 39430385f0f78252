"""Small guards the pages share."""

from functools import wraps

from flask import redirect, request, url_for

from app.auth import page_user


def safe_next(target: str | None) -> str | None:
    """Only local paths: a crafted ?next= must not send people to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if page_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
