"""Run the Sheets API emulator: python -m tests.sheets_emulator --port 8765."""
import argparse
import time

from .server import SheetsEmulator


def main(argv=None):
    """Serve the emulator until interrupted."""
    parser = argparse.ArgumentParser(description='Local Google Sheets API v4 emulator.')
    parser.add_argument('--port', type=int, default=8765)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--key', default='demo', help='key of a spreadsheet created at start')
    parser.add_argument('--quota', type=int, default=None, help='requests per minute before 429')
    args = parser.parse_args(argv)
    emulator = SheetsEmulator(port=args.port, host=args.host, quota_per_minute=args.quota)
    emulator.create_spreadsheet(args.key, 'LTC demo')
    emulator.start()
    print(f'Sheets emulator on {emulator.base_url} with spreadsheet {args.key!r}; '
          f'export LTC_GOOGLE_API_BASE={emulator.base_url}', flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == '__main__':
    main()
