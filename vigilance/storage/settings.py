"""One switch per performance mechanism, so that each can be turned off and measured again.

The web app reads them from its configuration (``VIGILANCE_SQLITE_WRITERS_LOCK``,
``VIGILANCE_DRIVER_CURSOR``, ``VIGILANCE_KEPT_STATUS_COUNTS``: ``on`` or ``off``) and gives them
to :func:`vigilance.storage.engine.make_engine`; the engine hands them to every connection it
opens, so domain code reads them from the connection it already has (no global, no flask).
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

#: The execution option under which an engine carries its settings to its connections.
EXECUTION_OPTION = "vigilance_storage"

_ON = {"1", "on", "true", "yes"}
_OFF = {"0", "off", "false", "no"}


@dataclass(frozen=True)
class StorageSettings:
    #: SQLite writers wait on a lock file before ``BEGIN IMMEDIATE`` (``writers_lock``).
    sqlite_writers_lock: bool = True
    #: Intake's and the audit chain's statements skip SQLAlchemy's execution (``driver_cursor``).
    driver_cursor: bool = True
    #: Queue pages read the kept counts per status rather than counting the items
    #: (``status_counts``; the triggers go on keeping them either way).
    kept_status_counts: bool = True

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "StorageSettings":
        """The settings from a configuration mapping (``SQLITE_WRITERS_LOCK`` and so on)."""
        return cls(
            sqlite_writers_lock=switch(config.get("SQLITE_WRITERS_LOCK", True), "SQLITE_WRITERS_LOCK"),
            driver_cursor=switch(config.get("DRIVER_CURSOR", True), "DRIVER_CURSOR"),
            kept_status_counts=switch(config.get("KEPT_STATUS_COUNTS", True), "KEPT_STATUS_COUNTS"),
        )


DEFAULT = StorageSettings()


def switch(value: Any, name: str) -> bool:
    """``on``/``off`` (or true/false, 1/0, yes/no) as a boolean; anything else is refused."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise ValueError(f"VIGILANCE_{name} must be 'on' or 'off', not {value!r}")


def settings_of(connection: Connection) -> StorageSettings:
    """The settings of the engine *connection* belongs to (the defaults for an engine made elsewhere)."""
    return connection.get_execution_options().get(EXECUTION_OPTION, DEFAULT)
