"""Replay recorded gspread cassettes against the emulator and compare with Google's answers.

python -m tests.sheets_emulator.replay DIR [NAME...] prints per-cassette results.
"""
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .server import SheetsEmulator

ID_KEYS = ('sheetId', 'protectedRangeId')
DROP_KEYS = {'spreadsheetId', 'spreadsheetUrl', 'sheetId', 'protectedRangeId', 'editors',
             'createdTime', 'modifiedTime', 'details', 'kind'}
SPREADSHEET_PROPERTIES = {'title', 'locale', 'timeZone', 'autoRecalc'}


@dataclass
class Outcome:
    """One replayed interaction."""
    cassette: str
    index: int
    method: str
    path: str
    result: str          # match, mismatch, skipped (emulator 501), setup
    detail: str = ''


def normalise(value, key=None):
    """Drop ids, timestamps, editors and formatting Google adds; keep the structure and values."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in DROP_KEYS:
                continue
            if k == 'properties' and key is None and 'title' in value.get('properties', {}):
                v = {p: x for p, x in v.items() if p in SPREADSHEET_PROPERTIES}
            out[k] = normalise(v, k)
        if key is None and 'error' in out:
            out['error'] = {k: out['error'][k] for k in ('code', 'status') if k in out['error']}
        return out
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    return value


def _pair_ids(recorded, actual, ids):
    """Learn recorded -> emulator ids (sheetId, protectedRangeId) from two answers."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        for key, value in recorded.items():
            if key in ID_KEYS and key in actual:
                ids[(key, value)] = actual[key]
            elif key in actual:
                _pair_ids(value, actual[key], ids)
    elif isinstance(recorded, list) and isinstance(actual, list):
        for a, b in zip(recorded, actual):
            _pair_ids(a, b, ids)


def _map_ids(value, ids):
    if isinstance(value, dict):
        return {k: ids.get((k, v), v) if k in ID_KEYS else _map_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_ids(v, ids) for v in value]
    return value


def _body(text):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def replay(emulator, path):
    """Replay one cassette file; return a list of Outcomes."""
    cassette = json.loads(Path(path).read_text())
    outcomes, name, ids = [], Path(path).name, {}
    session = requests.Session()
    for i, it in enumerate(cassette['interactions']):
        req, rec = it['request'], it['response']
        url = urlsplit(req['uri'])
        body = _body(req.get('body'))
        recorded = _body(rec['body']['string'])
        if req['method'] == 'POST' and url.path == '/drive/v3/files' and isinstance(recorded, dict) \
                and 'id' in recorded and rec['status']['code'] == 200:
            # Google picks spreadsheet ids; create the same key so the recorded URIs work unchanged.
            emulator.create_spreadsheet(recorded['id'], body.get('name', 'Untitled'))
            outcomes.append(Outcome(name, i, req['method'], url.path, 'setup'))
            continue
        target = emulator.base_url + url.path + ('?' + url.query if url.query else '')
        if isinstance(body, (dict, list)):
            data = json.dumps(_map_ids(body, ids)).encode()
        else:
            data = req['body'].encode() if req.get('body') else None
        content_type = req['headers'].get('Content-Type', ['application/json'])[0]
        response = session.request(req['method'], target, data=data,
                                   headers={'Content-Type': content_type})
        actual = _body(response.text)
        if response.status_code == 501:
            outcomes.append(Outcome(name, i, req['method'], url.path, 'skipped',
                                    actual['error']['message'] if isinstance(actual, dict) else ''))
            continue
        _pair_ids(recorded, actual, ids)
        want = (rec['status']['code'], normalise(recorded))
        got = (response.status_code, normalise(actual))
        if want == got:
            outcomes.append(Outcome(name, i, req['method'], url.path, 'match'))
        else:
            outcomes.append(Outcome(name, i, req['method'], url.path, 'mismatch',
                                    f'google={json.dumps(want, ensure_ascii=False)[:600]} '
                                    f'emulator={json.dumps(got, ensure_ascii=False)[:600]}'))
    return outcomes


def replay_all(paths):
    """Replay cassettes, each on a fresh emulator; return all Outcomes."""
    outcomes = []
    for path in paths:
        with SheetsEmulator() as emulator:
            outcomes.extend(replay(emulator, path))
    return outcomes


def main(argv=None):
    """Print per-cassette match counts and every mismatch."""
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0])
    paths = [folder / n for n in argv[1:]] or sorted(folder.glob('*.json'))
    totals = {'match': 0, 'mismatch': 0, 'skipped': 0}
    for path in paths:
        outcomes = replay_all([path])
        counts = {k: sum(1 for o in outcomes if o.result == k) for k in totals}
        for k in totals:
            totals[k] += counts[k]
        print(f"{path.name}: {counts['match']} match, {counts['mismatch']} mismatch, "
              f"{counts['skipped']} skipped")
        for o in outcomes:
            if o.result == 'mismatch':
                print(f'   #{o.index} {o.method} {o.path}\n      {o.detail}')
    compared = totals['match'] + totals['mismatch']
    print(f"TOTAL {totals['match']}/{compared} in-scope interactions match "
          f"({100 * totals['match'] / max(compared, 1):.1f}%), {totals['skipped']} skipped (501)")


if __name__ == '__main__':
    main()
