"""gunicorn's settings for the service: read by any gunicorn started from the project's root
(``gunicorn 'app:create_app()'``); options given on the command line still win."""

import gc


def post_worker_init(worker) -> None:
    """Once a worker has built the app, take what it holds out of the garbage collector's sight.

    The app's long-lived objects (routes, schemas, rulebooks, SQLAlchemy's mappers: about
    120,000 tracked objects) never become garbage, yet every full collection walks them all:
    50 ms and more on this VM. Answers cached per question (``POST /api/v1/classify`` with names
    never seen before) survive long enough to trigger one about every 6,000 requests, about
    60 µs per request on average (bench/README.md). Frozen, they are never walked again.
    """
    gc.freeze()
