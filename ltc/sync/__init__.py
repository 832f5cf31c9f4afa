"""Spreadsheet import, export and three-way sync (see DESIGN.md, "Spreadsheet sync")."""
