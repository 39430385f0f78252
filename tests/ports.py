"""A free local port, for the servers the tests start (an SMTP server, gunicorn, a worker)."""

import socket


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice; free until someone binds it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
