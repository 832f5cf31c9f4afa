"""Load test: gunicorn (2 workers, LTC_ENV=production) on SQLite and PostgreSQL with N leads, driven by logged-in users.

Usage: python bench/load.py [--leads 1000000] [--backends sqlite,postgres] [--pg-url URL]
                            [--duration 20] [--levels 1,2,4,6,8] [--data-dir DIR] [--quick]

Each level runs that many concurrent users (one process each, closed loop, no think time) for
DURATION seconds over a mix of the lead list, a filtered list, searches (code, phone, e-mail),
lead details, lead edits (form + save with CSRF token and version) and the customer 360° page.
It prints requests/s, p50/p95/p99 and errors per level and names the highest throughput with
p95 ≤ 200 ms and no errors. Everything runs on 127.0.0.1; the driver shares the machine's cores.
"""
import argparse
import html.parser
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ltc import db as db_module, migrate  # noqa: E402
from ltc.models import Lead  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402
from tests.production import Stack, login, recreate_database  # noqa: E402

USER, PASSWORD = 'bench', 'bench-password-1'
MIX = [('list', 25), ('filter', 15), ('search', 15), ('details', 15), ('edit', 10), ('customer 360', 20)]
P95_TARGET_MS = 200


class FormValues(html.parser.HTMLParser):
    """Collect the values a browser would submit from the first form with a csrf_token."""

    def __init__(self):
        super().__init__()
        self.values, self._select, self._textarea, self._first_option = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get('name')
        if tag == 'input' and name and a.get('type') not in ('submit', 'button', 'file'):
            if a.get('type') in ('checkbox', 'radio'):
                if 'checked' in a:
                    self.values[name] = a.get('value', 'y')
            else:
                self.values[name] = a.get('value') or ''
        elif tag == 'select' and name:
            self._select, self._first_option = name, None
        elif tag == 'option' and self._select:
            if self._first_option is None:
                self._first_option = a.get('value', '')
            if 'selected' in a:
                self.values[self._select] = a.get('value', '')
        elif tag == 'textarea' and name:
            self._textarea = name
            self.values[name] = ''

    def handle_endtag(self, tag):
        if tag == 'select' and self._select:
            self.values.setdefault(self._select, self._first_option or '')
            self._select = None
        elif tag == 'textarea':
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def prepare(url, leads):
    """Fill URL with LEADS leads (reused when already there); return sample rows and the customer id."""
    from bench.admin_list import fill
    database = db_module.bind(url)
    with database.connection_context():
        migrate.upgrade()
        ensure_reference_data()
        start = time.perf_counter()
        customer, total = fill(leads)
        print(f'  {total:,} leads ready in {time.perf_counter() - start:.0f} s')
        database.execute_sql('ANALYZE' if url.startswith('sqlite') else 'VACUUM ANALYZE lead')
        rng = random.Random(5)
        ids = [rng.randint(1, total) for _ in range(300)]
        samples = [(r.id, r.code, r.phone, r.email) for r in
                   Lead.select(Lead.id, Lead.code, Lead.phone, Lead.email).where(Lead.id.in_(ids))]
    database.close()
    return samples, customer.id


def _request(session, base, op, rng, samples, customer_id):
    """Do one operation; return (ok, the request count it took)."""
    lead_id, code, phone, email = rng.choice(samples)
    if op == 'list':
        r = session.get(f'{base}/admin/lead/?page={rng.randint(0, 20)}', timeout=60)
    elif op == 'filter':
        r = session.get(f"{base}/admin/lead/?flt0_0={rng.choice(['energy', 'finance', 'telecom'])}", timeout=60)
    elif op == 'search':
        r = session.get(f'{base}/admin/lead/?search={rng.choice([code, phone, email])}', timeout=60)
    elif op == 'details':
        r = session.get(f'{base}/admin/lead/details/?id={lead_id}', timeout=60)
    elif op == 'customer 360':
        r = session.get(f'{base}/admin/customer/360/?id={customer_id}', timeout=60)
    else:
        form = session.get(f'{base}/admin/lead/edit/?id={lead_id}', timeout=60)
        parser = FormValues()
        parser.feed(form.text)
        values = parser.values
        values['requirement'] = f'load test edit {rng.random():.6f}'
        values.pop('_add_another', None), values.pop('_continue_editing', None)
        r = session.post(f'{base}/admin/lead/edit/?id={lead_id}', data=values, timeout=60,
                         allow_redirects=False)
        # A saved edit redirects to the list. Two users saving the same lead at once: the second is
        # told "changed since you opened it" (the version check) - a correct answer, counted apart.
        if r.status_code == 200 and 'changed since you opened it' in r.text:
            return 'conflict', r
        return r.status_code == 302 and '/login' not in r.headers.get('Location', ''), r
    return r.status_code == 200 and '/login' not in r.url, r


def _user(base, samples, customer_id, start_at, end_at, seed):
    """One logged-in user in a closed loop; return [(op, ms, ok)]."""
    rng = random.Random(seed)
    session = login(base, USER, PASSWORD)
    ops, weights = zip(*MIX)
    out = []
    while time.time() < start_at:
        time.sleep(0.005)
    while time.time() < end_at:
        op = rng.choices(ops, weights)[0]
        began = time.perf_counter()
        try:
            ok, _ = _request(session, base, op, rng, samples, customer_id)
        except Exception:   # a timeout or a dropped connection counts as an error
            ok = False
        out.append((op, (time.perf_counter() - began) * 1000, ok))
    return out


def pct(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_level(base, users, duration, samples, customer_id):
    """Run USERS concurrent users for DURATION seconds; return the level's figures."""
    start_at = time.time() + 3 + users * 0.3   # every user logs in first
    end_at = start_at + duration
    with multiprocessing.get_context('fork').Pool(users) as pool:
        parts = pool.starmap(_user, [(base, samples, customer_id, start_at, end_at, i) for i in range(users)])
    rows = [row for part in parts for row in part]
    times = [ms for _, ms, _ in rows]
    by_op = {op: round(statistics.median([ms for o, ms, _ in rows if o == op]), 1)
             for op, _ in MIX if any(o == op for o, _, _ in rows)}
    return {'users': users, 'requests': len(rows), 'rps': len(rows) / duration,
            'p50': pct(times, 50), 'p95': pct(times, 95), 'p99': pct(times, 99),
            'errors': sum(1 for _, _, ok in rows if ok is False),
            'conflicts': sum(1 for _, _, ok in rows if ok == 'conflict'), 'median_by_op': by_op}


def bench_backend(name, url, leads, levels, duration, workdir):
    print(f'{name}: {url.split("@")[-1]}')
    samples, customer_id = prepare(url, leads)
    stack = Stack(url, f'sqlite:///{workdir}/{name}-queue.db', workdir / name, workers=2)
    results = []
    try:
        stack.start_web()
        for users in levels:
            figures = run_level(stack.base, users, duration, samples, customer_id)
            results.append(figures)
            print(f"  {users:>2} users: {figures['rps']:6.1f} req/s  p50 {figures['p50']:6.1f}  "
                  f"p95 {figures['p95']:6.1f}  p99 {figures['p99']:6.1f} ms  errors {figures['errors']}  "
                  f"version conflicts {figures['conflicts']}"
                  f"  {figures['median_by_op']}")
    finally:
        stack.stop()
    good = [f for f in results if f['p95'] <= P95_TARGET_MS and not f['errors']]
    best = max(good, key=lambda f: f['rps']) if good else None
    if best:
        print(f"  best within p95 ≤ {P95_TARGET_MS} ms: {best['rps']:.1f} req/s at {best['users']} users")
    else:
        print(f'  no level met p95 ≤ {P95_TARGET_MS} ms without errors')
    return results, best


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--leads', type=int, default=1_000_000)
    parser.add_argument('--backends', default='sqlite,postgres')
    parser.add_argument('--pg-url', default='postgresql://postgres@127.0.0.1:5432/ltc_scale_load',
                        help='a throwaway PostgreSQL database (created when missing; its leads are reused)')
    parser.add_argument('--duration', type=float, default=20)
    parser.add_argument('--levels', help='concurrent users per level (default 1,2,4,6,8; --quick 1,2,4)')
    parser.add_argument('--data-dir', help='where the SQLite database is kept for reuse (default: a temp dir)')
    parser.add_argument('--quick', action='store_true', help='20,000 leads, 5 s per level, 1/2/4 users')
    args = parser.parse_args(argv)
    if args.quick:
        args.leads, args.duration = min(args.leads, 20_000), min(args.duration, 5)
    args.levels = args.levels or ('1,2,4' if args.quick else '1,2,4,6,8')
    workdir = Path(args.data_dir or tempfile.mkdtemp(prefix='ltc-load-'))
    workdir.mkdir(parents=True, exist_ok=True)
    levels = [int(x) for x in args.levels.split(',')]
    summary = {}
    for name in args.backends.split(','):
        if name == 'sqlite':
            url = f'sqlite:///{workdir}/load-{args.leads}.db'
        elif name == 'postgres':
            url = args.pg_url
            if not _pg_exists(url):
                recreate_database(url)
        else:
            parser.error(f'unknown backend {name!r}; use sqlite and/or postgres')
        summary[name] = bench_backend(name, url, args.leads, levels, args.duration, workdir)
    print(f'\n| backend | users | req/s | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|')
    for name, (results, best) in summary.items():
        for f in results:
            mark = ' **best**' if f is best else ''
            print(f"| {name}{mark} | {f['users']} | {f['rps']:.1f} | {f['p50']:.1f} | {f['p95']:.1f} | "
                  f"{f['p99']:.1f} | {f['errors']} |")
    return 0 if all(best for _, best in summary.values()) else 1


def _pg_exists(url):
    """True when the database exists (a previous run's leads are reused and topped up)."""
    import psycopg2
    try:
        psycopg2.connect(url).close()
        return True
    except psycopg2.OperationalError:
        return False


if __name__ == '__main__':
    sys.exit(main())
