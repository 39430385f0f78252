"""gunicorn's settings for this service: read from the working folder by ``gunicorn 'app:create_app()'``
(or named with ``-c``). Where to listen and how many workers: the command line or GUNICORN_CMD_ARGS.

- Log lines: gunicorn's own (workers started, timeouts) go out as the service's do, JSON in
  production, through one handler; the service writes one access line per request itself.
- Metrics with several workers (docs/deployment.md): with ``PROMETHEUS_MULTIPROC_DIR`` set,
  each process keeps its values in files there, which ``/metrics`` adds up.
- Each worker freezes the app's long-lived objects once built (``post_worker_init``).
"""

import gc
import glob
import os
import re

from gunicorn import glogging

from app.operations import logs

_PROCESS_FILE = re.compile(r"_(\d+)\.db$")


class Logger(glogging.Logger):
    def access(self, *_args, **_kwargs):
        """No access lines of gunicorn's: the service writes one per request, with its id and
        without the query string (gunicorn's would carry it)."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True
        logs.configure_from_environment()


logger_class = Logger


def on_starting(_server):
    """Drop the metric files of processes that no longer run: counters start again from zero,
    as Prometheus expects after a restart; a running `vigilance worker`'s files are kept."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "*.db")):
        match = _PROCESS_FILE.search(path)
        if match and not _running(int(match.group(1))):
            os.remove(path)


def child_exit(_server, worker):
    """A worker that died no longer counts in the gauges of live processes."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def post_worker_init(worker) -> None:
    """Once a worker has built the app, take what it holds out of the garbage collector's sight.

    The app's long-lived objects (routes, schemas, rulebooks, SQLAlchemy's mappers: about
    120,000 tracked objects) never become garbage, yet every full collection walks them all:
    50 ms and more on this VM. Answers cached per question (``POST /api/v1/classify`` with names
    never seen before) survive long enough to trigger one about every 6,000 requests, about
    60 µs per request on average (bench/README.md). Frozen, they are never walked again.
    """
    gc.freeze()
