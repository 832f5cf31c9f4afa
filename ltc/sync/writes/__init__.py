"""Sheet rows into the database and back out: import, batched updates, the gate's requests, run results, export.

Imports services, `sync.mapping`, `sync.formats`, `sync.runs`; imported by engine and the doors.
"""
