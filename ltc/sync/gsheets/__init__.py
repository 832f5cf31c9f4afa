"""Google Sheets: the HTTP client (`http`), its operations (`ops`) and the sync `Table` (`table`).

Imports `sync.formats`, `sync.mapping` and `sync.errors`; imported by engine and the doors.
"""
