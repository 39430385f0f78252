"""Small guards the pages share."""

from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import redirect, request, url_for

from app.auth import page_user


def safe_next(target: str | None) -> str | None:
    """*target* if it is a path on this site, else None: a crafted ``?next=`` sends no one elsewhere.

    Browsers drop tabs and line breaks inside a URL and read a backslash as ``/``, so
    ``/%09/evil.example`` and ``/%5C/evil.example`` (decoded by the query string) both lead to
    ``//evil.example``, another host; a line break in a ``Location`` header is refused outright.
    So only a plain path is followed: no control character or space anywhere, and a path part
    that starts with a single ``/``, holds no backslash and names no scheme or host, and stays so
    once percent-decoded (a later hop may decode it again). The query may hold what it likes.
    """
    if not target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    path = target.split("?", 1)[0].split("#", 1)[0]
    for _ in range(3):  # each decoding must still be a plain local path
        if not _plain_local_path(path):
            return None
        decoded = unquote(path)
        if decoded == path:
            return target
        path = decoded
    return None  # encoded three times over: no page of ours makes such a link


def _plain_local_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if page_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
