"""A local Google Sheets API v4 emulator for tests and demos (gspread runs against it unmodified)."""
from .server import LoggedRequest, SheetsEmulator

__all__ = ['SheetsEmulator', 'LoggedRequest']
