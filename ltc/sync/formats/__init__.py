"""Spreadsheet files: the `Table` protocol, xlsx and csv backends, size limits, the header row finder.

Imports `sync.mapping` and `sync.errors`; imported by gsheets, writes, engine and the doors.
"""
