"""The security headers of every answer: what the browser may load, who may frame a page, and
that nothing holding case data is kept in a cache (a ward computer is shared).

The values are fixed when the app is built and copied onto each answer by one ``after_request``
hook: about 3 µs a request, where flask-talisman, which rebuilds its policy at every request,
cost about 30 µs (measured with Flask's test client; ``POST /api/v1/classify`` throughput is a
tracked target, bench/README.md).
"""

from flask import Flask, Response, request

#: Scripts, styles and images from the service itself only: no inline script or style attribute
#: (the templates have none; the SVG charts use presentation attributes, which CSP allows), no
#: plugin, no ``<base>`` rewriting, forms posting to the service only, and no framing at all:
#: the one-click item actions cannot be clickjacked.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: A year, subdomains included: sent in production only, where the service is reached over HTTPS
#: (a browser ignores the header on plain HTTP, but a development machine on ``localhost`` would
#: remember it for every other local service).
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def headers_for(env: str) -> dict[str, str]:
    """The headers every answer carries in *env* (``production`` adds HSTS)."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # Not no-referrer: Flask-WTF's CSRF check on HTTPS requires a Referer from the same origin.
        "Referrer-Policy": "same-origin",
    }
    if env == "production":
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


def init_app(app: Flask) -> None:
    """Put the security headers on every answer, and ``Cache-Control: no-store`` on every one but
    static files.

    No-store on every page and API answer, the health checks and the OpenAPI document included:
    they hold no case data, but one rule with one exception is easier to keep right than a list
    of routes, and none of them gains from a cache. Static files keep Flask's own caching.
    """
    headers = headers_for(app.config["ENV"])
    not_stored = {**headers, "Cache-Control": "no-store"}

    def _secure(response: Response) -> Response:
        response.headers.update(headers if request.endpoint == "static" else not_stored)
        return response

    app.after_request(_secure)
