"""The storage side of the domain: how the records reach the database, and the performance
mechanisms that make it fast enough, each in one module with the figure that justified it.

- ``settings``: one switch per mechanism, to turn it off and measure it again.
- ``engine``: the engine, and SQLite's pragmas (WAL, foreign keys, busy timeout, durability).
- ``writers_lock``: SQLite's writers queue on a lock file instead of polling for the lock.
- ``transaction``: the one way to write (``write_transaction``) and to only read (``read_only``).
- ``driver_cursor``: intake's and the audit chain's statements run on the driver's cursor.
- ``status_counts``: items per queue status kept as rows, moved by database triggers.

``docs/architecture.md`` gives each one's measured reason, and what was removed and why.
"""
