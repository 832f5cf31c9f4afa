"""The Table protocol seen from a backend that is neither xlsx nor csv (as Google Sheets will be)."""
import copy

from ltc.models import Lead
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.targets import add_target
from ltc.sync.formats.tables import WriteBatch
from tests.factories import make_lead


class MemoryTable:
    """A remote-like sheet held in memory; `between` runs after the engine's read, like a colleague."""
    kind = 'memory'
    label = 'memory sheet'

    def __init__(self, grid):
        self.grid, self.between, self.writes = grid, None, []

    def read(self):
        grid = copy.deepcopy(self.grid)
        if self.between:
            self.between(self.grid)
            self.between = None
        return grid

    def reread_keys(self, key_col):
        return {r: row[key_col - 1] for r, row in enumerate(self.grid, 1) if len(row) >= key_col and row[key_col - 1]}

    def write(self, batch: WriteBatch):
        self.writes.append(batch)
        for (row, col), value in batch.cells.items():
            while len(self.grid) < row:
                self.grid.append([])
            line = self.grid[row - 1]
            line.extend([None] * (col - len(line)))
            line[col - 1] = value
        self.grid.extend(list(r) for r in batch.appends)


def test_writes_follow_rows_moved_between_read_and_write(db, tmp_path):
    for name in ('甲', '乙', '丙'):
        make_lead(company=name)
    path = tmp_path / 'placeholder.csv'
    path.write_text('线索编号,公司名称\n', encoding='utf-8')
    target = add_target('remote', 'leads', path)
    table = MemoryTable([['线索编号', '公司名称'], ['L000001', '甲'], ['L000002', '乙'], ['L000003', '丙']])
    assert engine.run_sync(target, table=table).totals()['unchanged'] == 3
    lead = Lead.get(Lead.code == 'L000003')
    lead.company = '丙（改）'
    audit.save(lead)
    # Someone inserts a row at the top after the engine read the sheet.
    table.between = lambda grid: grid.insert(1, ['', '新插入的行'])
    engine.run_sync(target, table=table)
    assert table.grid[4] == ['L000003', '丙（改）']   # moved down one row, still the right record
    assert table.grid[1] == ['', '新插入的行']
    assert engine.run_sync(target, table=table).totals()['created'] == 1   # the inserted row, next run
    assert table.grid[1][0] == 'L000004'
