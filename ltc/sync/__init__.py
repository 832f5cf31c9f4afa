"""Spreadsheet import, export and two-way sync."""
