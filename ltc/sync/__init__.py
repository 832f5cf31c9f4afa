"""Spreadsheet import, export and three-way sync (see DESIGN.md, "Spreadsheet sync").

Subpackages by role, lowest first; each imports only the ones before it (and `errors.py`):

- `mapping/`: what a column means: codecs (cell <-> value), the mapping of each entity, hooks into the services;
- `formats/`: reading and writing files: xlsx, csv, the `Table` protocol, finding the header row, size limits;
- `gsheets/`: the Google Sheets client and `Table`;
- `runs/`: the stored base and lock of each sync target, runs left behind by killed processes;
- `writes/`: rows into the database (import, batched updates, the gate's requests), results, export;
- `engine/`: the two-way sync, sync targets and their schedule, conflicts, revert.

Sync imports services, models and the base floor; it is imported by the doors (CLI, admin, jobs) only.
"""
