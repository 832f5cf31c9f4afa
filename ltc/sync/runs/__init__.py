"""Bookkeeping of sync runs: the stored base and lock of each target, runs left by killed processes.

Imports models, the base floor and `sync.errors`; imported by writes, engine and the doors.
"""
