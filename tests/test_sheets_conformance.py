"""The emulator answers gspread's recorded requests like Google did (tests/data/gspread-cassettes)."""
from pathlib import Path

import pytest

from tests.sheets_emulator.replay import normalise, replay_all

CASSETTES = Path(__file__).parent / 'data' / 'gspread-cassettes'
# Formatting and tab colours are outside the sync; the emulator must refuse them with 501. (Notes are in:
# the sync writes who a sheet runs as, its slice and its last run as the header's note.)
OUT_OF_SCOPE = {'WorksheetTest.test_format.json': 'repeatCell',
                'WorksheetTest.test_set_tab_color.json': 'tabColor',
                # kept for Drive's file metadata answer (tests/sync/gsheets/test_idle.py); LTC opens sheets by
                # key, never by name, so the Drive files list it also records is not emulated
                'ClientTest.test_open_by_name_has_metadata.json': 'GET /drive/v3/files'}
IN_SCOPE = sorted(p.name for p in CASSETTES.glob('*.json') if p.name not in OUT_OF_SCOPE)


@pytest.fixture(scope='module')
def outcomes():
    return replay_all(sorted(CASSETTES.glob('*.json')))


def test_every_in_scope_recorded_answer_matches(outcomes):
    compared = [o for o in outcomes if o.result in ('match', 'mismatch')]
    matched = [o for o in compared if o.result == 'match']
    skipped = [o for o in outcomes if o.result == 'skipped']
    print(f'\nconformance: {len(matched)}/{len(compared)} recorded interactions match '
          f'({100 * len(matched) / len(compared):.1f}%), {len(skipped)} out of scope (501)')
    assert len(compared) > 500
    mismatches = [f'{o.cassette} #{o.index} {o.method} {o.path}: {o.detail}'
                  for o in compared if o.result == 'mismatch']
    assert not mismatches, '\n'.join(mismatches)


@pytest.mark.parametrize('name', IN_SCOPE)
def test_in_scope_cassettes_need_no_unimplemented_endpoint(outcomes, name):
    results = [o for o in outcomes if o.cassette == name]
    assert results and not [o for o in results if o.result == 'skipped']


@pytest.mark.parametrize('name,feature', sorted(OUT_OF_SCOPE.items()))
def test_out_of_scope_requests_answer_501_loudly(outcomes, name, feature):
    skipped = [o for o in outcomes if o.cassette == name and o.result == 'skipped']
    assert skipped and all('not implemented' in o.detail for o in skipped)
    assert any(feature in o.detail for o in skipped)


def test_normalise_ignores_ids_and_keeps_values():
    google = {'spreadsheetId': 'a', 'replies': [{'addSheet': {'properties': {'sheetId': 7, 'title': 'x'}}}]}
    ours = {'spreadsheetId': 'b', 'replies': [{'addSheet': {'properties': {'sheetId': 9, 'title': 'x'}}}]}
    assert normalise(google) == normalise(ours)
    assert normalise({'values': [['1']]}) != normalise({'values': [[1]]})
