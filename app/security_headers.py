"""The security headers of every answer: what the browser may load, who may frame a page, and
that nothing holding case data is kept in a cache (a ward computer is shared).

The values are fixed when the app is built and appended to each answer by one ``after_request``
hook, since ``POST /api/v1/classify`` throughput is a tracked target (bench/README.md). Measured
with Flask's test client on a loaded machine: a bare Flask JSON answer took 167 µs, 170 µs with
this hook's way and 197 µs with flask-talisman (which rebuilds its policy at every request);
classify in process took 202 µs without the headers and 215 µs with them (best of 30 rounds),
sending six more headers included.
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


def headers_for(env: str, sign_in_origin: str | None = None) -> dict[str, str]:
    """The headers every answer carries in *env* (``production`` adds HSTS).

    With single sign-on, signing out posts a form whose answer sends the browser on to the
    OpenID provider's sign-out (app/single_sign_on.py): browsers apply ``form-action`` to that
    redirect too, so the provider's origin (*sign_in_origin*) is allowed there, and only there.
    """
    policy = CONTENT_SECURITY_POLICY
    if sign_in_origin:
        policy = policy.replace("form-action 'self'", f"form-action 'self' {sign_in_origin}")
    headers = {
        "Content-Security-Policy": policy,
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
    # Appended (``Headers.extend``): ``Headers.update`` looks for and replaces each name, which
    # costs about three times as much. No view sets these names, but a view may set its own
    # Cache-Control (a file sent by ``send_file`` gets ``no-cache``): the rule replaces it.
    from app.single_sign_on import issuer_origin

    every_answer = list(headers_for(app.config["ENV"], issuer_origin(app.config)).items())
    not_stored = [*every_answer, ("Cache-Control", "no-store")]

    def _secure(response: Response) -> Response:
        headers = response.headers
        # A file answer (direct passthrough) may be a static file; asking which costs a lookup
        # of the request that the API's JSON answers skip.
        if response.direct_passthrough and request.endpoint == "static":
            headers.extend(every_answer)
            return response
        if "Cache-Control" in headers:
            del headers["Cache-Control"]
        headers.extend(not_stored)
        return response

    app.after_request(_secure)
