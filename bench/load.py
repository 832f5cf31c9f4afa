"""Load test: gunicorn (2 workers, LTC_ENV=production) on the demo company grown to N leads, SQLite and PostgreSQL.

Usage: python bench/load.py [--leads 1000000] [--backends sqlite,postgres] [--pg-url URL]
                            [--duration 20] [--levels 1,2,4,6,8] [--data-dir DIR] [--seed N]
                            [--quiet-wait SECONDS] [--quick]

The database is the demo company (`flask ltc demo --scale N`: customers, contacts, opportunities,
contracts, payment plans, users in a department tree) grown to N leads, built once and reused
while it carries the demo marker and at least N leads. Each level runs that many concurrent
clients (one process each, closed loop, no think time) for DURATION seconds. Every client is
logged in as a demo sales user, a demo manager and an admin; each request picks one of them
(50 / 30 / 20 %), so the row-level scopes (own, own + department tree, all) are all exercised,
and works on records that user may see: the lead list, a filtered list, searches (code, phone,
e-mail, company), lead details, lead edits (form + save with CSRF token and version) and the
customer 360° page of customers with contracts or opportunities. The backends take turns level
by level (level 1 on SQLite, then on PostgreSQL, then level 2 ...), so both share whatever else
the machine is doing, and the cores other jobs used during each level are measured (the host's
busy CPU time minus the bench's own); with --quiet-wait a level first waits, up to that long,
for an idle host and runs again (twice at most) when other jobs took more than a third of a core.
It prints requests/s, p50/p95/p99 and errors per level and names the highest throughput with
p95 ≤ 200 ms and no errors. Everything runs on 127.0.0.1; the driver shares the machine's cores.
"""
import argparse
import datetime
import html.parser
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ltc import db as db_module, migrate  # noqa: E402
from ltc.demo import MARKER, build_demo  # noqa: E402
from ltc.models import Contract, Customer, Lead, Opportunity, Role, Setting, User  # noqa: E402
from ltc.services import audit, scope, users  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402
from tests.production import Stack, login, recreate_database  # noqa: E402

SEED = 42   # the demo company's seed
ADMIN, PASSWORD = 'bench', 'quartz-lantern-meadow-1'   # the demo users get the same password for the run
MIX = [('list', 25), ('filter', 15), ('search', 15), ('details', 15), ('edit', 10), ('customer 360', 20)]
ROLES = [('sales', 50), ('manager', 30), ('admin', 20)]   # who makes each request
LEADS_PER_USER, CUSTOMERS_PER_USER = 40, 20
# Leads set aside per user for edits, each edited once while they last: the first save of a lead
# is the one that looks for its duplicates (real leads mostly have none, so theirs is every save).
EDITS_PER_USER, EDIT_CHUNK = 500, 60   # EDIT_CHUNK per level, split among the clients sharing the user
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


# -- the database: the demo company, built once ---------------------------------------------------
def prepare(url, leads, clients, sample_seed):
    """Build (or reuse) the demo company with LEADS leads in URL; return the accounts the clients use."""
    database = db_module.bind(url)
    with database.connection_context():
        migrated = migrate.upgrade()
        ensure_reference_data()
        if Setting.by_code(MARKER) is None and (Lead.select().exists() or Customer.select().exists()):
            database.close()
            _reset(url)
            return prepare(url, leads, clients, sample_seed)
        before = Lead.select().count()
        start = time.perf_counter()
        with audit.acting_as('bench', 'cli'):
            build_demo(seed=SEED, scale=leads, today=datetime.date.today(), progress=_progress)
        total = Lead.select().count()
        if total > before or migrated:
            # Fresh statistics (also for indexes a migration just made), as a nightly ANALYZE or
            # autovacuum would leave them.
            database.execute_sql('ANALYZE' if url.startswith('sqlite') else 'VACUUM ANALYZE')
        if total > before:
            print(f'  demo company built: {total:,} leads in {time.perf_counter() - start:.0f} s')
        else:
            print(f"  demo company reused: {total:,} leads{'; migrated: ' + ', '.join(migrated) if migrated else ''}")
        accounts = _accounts(clients, random.Random(sample_seed))
    database.close()
    return accounts, total


def _progress(message):
    if not message.startswith('leads:') or message.split()[1].replace(',', '').endswith('00000'):
        print(f'    {message}')


def _reset(url):
    """Start over in a database that holds data other than the demo company (a throwaway one)."""
    print('  the database holds records that are not the demo company; starting it afresh')
    if url.startswith('sqlite'):
        path = Path(url.split(':///', 1)[1])
        for suffix in ('', '-wal', '-shm'):
            Path(f'{path}{suffix}').unlink(missing_ok=True)
    else:
        recreate_database(url)
    db_module.bind(url)


def _accounts(clients, rng):
    """Return {role: [account]}: the admin, every demo manager and up to CLIENTS demo sales users.

    An account is the user's name and the records it may see: leads (details, edit, search terms),
    customers with contracts or opportunities (360° page) and filter values.
    """
    admin = User.get_or_none(User.username == ADMIN)
    with audit.acting_as('bench', 'cli'):
        if admin is None:
            users.create_user(ADMIN, 'admin', PASSWORD, display_name='Bench admin')
        people = {'admin': [User.get(User.username == ADMIN)]}
        for role in ('manager', 'sales'):
            people[role] = list(User.select().join(Role).where(Role.name == role, User.active).order_by(User.id))
        people['sales'] = [u for u in people['sales'] if Lead.select().where(Lead.owner == u.id).exists()]
        rng.shuffle(people['sales'])
        accounts = {}
        for role, members in people.items():
            accounts[role] = []
            for user in members:
                account = _account(user, rng)
                if account['leads'] and account['customers']:
                    accounts[role].append(account)
                if role == 'sales' and len(accounts[role]) == clients:
                    break
            for account in accounts[role]:
                users.set_password(account['username'], PASSWORD)
            if not accounts[role]:
                raise SystemExit(f'bench/load.py: no demo {role} user sees leads and customers with deals')
    return accounts


def _account(user, rng):
    """Sample the leads and customers USER may see (random ids, filtered by the user's scope)."""
    visible = scope.condition(Lead, user)
    top = Lead.select(Lead.id).order_by(Lead.id.desc()).scalar()
    bottom = Lead.select(Lead.id).order_by(Lead.id).scalar()   # ids need not start at 1 (PostgreSQL sequences)
    leads = {}
    for _attempt in range(50):
        ids = [rng.randint(bottom, top) for _ in range(2000)]
        for row in (Lead.select(Lead.id, Lead.code, Lead.phone_norm, Lead.email_norm, Lead.company_norm,
                                Lead.industry, Lead.status, Lead.grade, Lead.region_province)
                    .where(Lead.id.in_(ids), visible)):
            leads[row.id] = row
        if len(leads) >= LEADS_PER_USER + EDITS_PER_USER:
            break
    leads = rng.sample(sorted(leads.values(), key=lambda r: r.id), len(leads))
    leads, edits = leads[:LEADS_PER_USER], [r.id for r in leads[LEADS_PER_USER:LEADS_PER_USER + EDITS_PER_USER]]
    with_deals = Customer.id.in_(Contract.select(Contract.customer)) | Customer.id.in_(
        Opportunity.select(Opportunity.customer))
    customers = [c.id for c in Customer.select(Customer.id).where(scope.condition(Customer, user), with_deals)]
    rng.shuffle(customers)
    filters = [(field, value) for row in leads for field, value in
               (('industry', row.industry), ('status', row.status), ('grade', row.grade),
                ('region_province', row.region_province)) if value]
    if scope.role_of(user) == 'manager':
        team = scope.visible_user_ids(user) - {user.id}
        filters += [('owner', str(i)) for i in sorted(team)[:10]]
    # URL arguments resolved here, once: importing the admin views in a client process would
    # cost its first filter request a second or more.
    filters = [(_filter_arg(field), value) for field, value in filters]
    return {'username': user.username, 'role': scope.role_of(user), 'filters': filters,
            'leads': [(r.id, [t for t in (r.code, r.phone_norm, r.email_norm, r.company_norm) if t])
                      for r in leads],
            'edits': edits, 'customers': customers[:CUSTOMERS_PER_USER]}


def _filter_arg(field):
    """Return the list URL argument of the lead list's filter on FIELD (flask-admin: flt0_<index>)."""
    from ltc.admin.views_sales import LeadView
    names = [f.column.name for f in LeadView.column_filters]
    return f'flt0_{names.index(field)}'


# -- the clients ----------------------------------------------------------------------------------
def _request(session, base, op, rng, account):
    """Do one operation as ACCOUNT; return (ok, response); ok is 'conflict' for a stale edit."""
    lead_id, terms = rng.choice(account['leads'])
    if op == 'list':
        r = session.get(f'{base}/admin/lead/?page={rng.randint(0, 20)}', timeout=60)
    elif op == 'filter':
        arg, value = rng.choice(account['filters'])
        r = session.get(f'{base}/admin/lead/', params={arg: value}, timeout=60)
    elif op == 'search':
        r = session.get(f'{base}/admin/lead/', params={'search': rng.choice(terms)}, timeout=60)
    elif op == 'details':
        r = session.get(f'{base}/admin/lead/details/?id={lead_id}', timeout=60)
    elif op == 'customer 360':
        r = session.get(f"{base}/admin/customer/360/?id={rng.choice(account['customers'])}", timeout=60)
    else:
        if account['edits']:   # this client's copy: a lead it has not saved yet
            lead_id = account['edits'].pop(rng.randrange(len(account['edits'])))
        form = session.get(f'{base}/admin/lead/edit/?id={lead_id}', timeout=60)
        if form.status_code != 200:
            return False, form
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


def _client(base, accounts, duration, barrier, results, seed):
    """One client: log in as its sales user, manager and admin, then loop; put [(op, role, ms, ok)]."""
    rng = random.Random(seed)
    try:
        sessions = {role: (login(base, account['username'], PASSWORD), account)
                    for role, account in accounts.items()}
        barrier.wait(timeout=120)
    except Exception as exc:   # a failed login stops the level: the figures would mean nothing
        barrier.abort()
        results.put(f'client {seed}: {type(exc).__name__}: {exc}')
        return
    ops, weights = zip(*MIX)
    roles, role_weights = zip(*ROLES)
    out = []
    end_at = time.monotonic() + duration
    while time.monotonic() < end_at:
        op, role = rng.choices(ops, weights)[0], rng.choices(roles, role_weights)[0]
        session, account = sessions[role]
        began = time.perf_counter()
        try:
            ok, _ = _request(session, base, op, rng, account)
        except Exception:   # a timeout or a dropped connection counts as an error
            ok = False
        out.append((op, role, (time.perf_counter() - began) * 1000, ok))
    results.put(out)


def _warm_up(base, accounts):
    """Ask for every page as every role, unmeasured, so no level pays for compiling the templates."""
    rng = random.Random(0)
    for _worker in range(2):   # twice: the requests spread over both gunicorn workers
        for role, _w in ROLES:
            session = login(base, accounts[role][0]['username'], PASSWORD)
            for op, _w2 in MIX:
                _request(session, base, op, rng, accounts[role][0])


TICK = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100


def host_cpu():
    """Return the CPU seconds all cores have been busy since boot (None off Linux)."""
    try:
        with open('/proc/stat') as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return None
    return (sum(fields) - fields[3] - fields[4]) / TICK   # all but idle and iowait


def host_busy(seconds=1.0):
    """Return the cores the host kept busy over SECONDS (None off Linux)."""
    before = host_cpu()
    time.sleep(seconds)
    after = host_cpu()
    return None if before is None else (after - before) / seconds


def stack_cpu(web_pid, database=None):
    """Return the CPU seconds used so far by the gunicorn tree under WEB_PID and by the
    PostgreSQL backends serving DATABASE: the server side of this bench."""
    total = 0.0
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
            with open(f'/proc/{entry}/cmdline', 'rb') as cmd:
                command = cmd.read().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            continue
        ours = int(entry) == web_pid or int(fields[1]) == web_pid or (
            database and command.startswith('postgres:') and f' {database} ' in command)
        if ours:
            total += (int(fields[11]) + int(fields[12])) / TICK   # utime + stime
    return total


def pct(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def wait_for_quiet(budget, busy=0.3):
    """Wait up to BUDGET seconds until other jobs keep fewer than BUSY cores busy; return the cores last seen."""
    deadline = time.monotonic() + budget
    seen = host_busy()
    while seen is not None and seen >= busy and time.monotonic() < deadline:
        seen = host_busy(5)
    return seen


def _hand_out(accounts, clients):
    """Return each client's accounts. The clients sharing a user split the next EDIT_CHUNK of its
    unsaved leads, which leave ACCOUNTS for good: no lead is saved twice in a run."""
    picks = [[(role, accounts[role][i % len(accounts[role])]) for role, _w in ROLES] for i in range(clients)]
    users = {}   # id(account) -> the clients using it
    for i, pick in enumerate(picks):
        for _role, account in pick:
            users.setdefault(id(account), []).append(i)
    shares = {}
    for pick in picks:
        for _role, account in pick:
            if id(account) not in shares:
                chunk, account['edits'][:EDIT_CHUNK] = account['edits'][:EDIT_CHUNK], []
                group = users[id(account)]
                shares[id(account)] = {c: chunk[k::len(group)] for k, c in enumerate(group)}
    return [{role: dict(account, edits=shares[id(account)][i]) for role, account in pick}
            for i, pick in enumerate(picks)]


def run_level(base, clients, duration, accounts, quiet_wait=0, server_cpu=None, tries=3):
    """Run CLIENTS concurrent clients for DURATION seconds; return the level's figures.

    'others' is the cores other jobs kept busy during the level: the host's busy CPU time minus
    this bench's (clients, gunicorn, the database's backends via SERVER_CPU). With QUIET_WAIT the
    level first waits for the host to go idle, and runs again (up to TRIES times) when other jobs
    took more than a third of a core while it ran.
    """
    for attempt in range(1, tries + 1):
        figures = _run_level(base, clients, duration, accounts, quiet_wait, server_cpu)
        figures['attempts'] = attempt
        if not quiet_wait or figures['others'] is None or figures['others'] < 0.3:
            break
    return figures


def _run_level(base, clients, duration, accounts, quiet_wait, server_cpu):
    ctx = multiprocessing.get_context('fork')
    barrier, results = ctx.Barrier(clients), ctx.Queue()
    procs = []
    for i, mine in enumerate(_hand_out(accounts, clients)):
        procs.append(ctx.Process(target=_client, args=(base, mine, duration, barrier, results, i)))
    wait_for_quiet(quiet_wait)
    load_before = os.getloadavg()[0]
    began, host0, ours0 = time.monotonic(), host_cpu(), _own_cpu(server_cpu)
    for p in procs:
        p.start()
    parts = [results.get(timeout=duration + 300) for _ in procs]
    for p in procs:
        p.join()
    host1, ours1, wall = host_cpu(), _own_cpu(server_cpu), time.monotonic() - began
    others = None if host0 is None else max(0.0, (host1 - host0) - (ours1 - ours0)) / wall
    failed = [p for p in parts if isinstance(p, str)]
    if failed:
        raise RuntimeError('; '.join(failed))
    rows = [row for part in parts for row in part]
    times = [ms for _, _, ms, _ in rows]

    def figures(subset):
        ms = [row[2] for row in subset]
        return {'n': len(ms), 'p50': round(pct(ms, 50), 1), 'p95': round(pct(ms, 95), 1)}

    return {'users': clients, 'requests': len(rows), 'rps': len(rows) / duration,
            'p50': pct(times, 50), 'p95': pct(times, 95), 'p99': pct(times, 99),
            'errors': sum(1 for row in rows if row[3] is False),
            'conflicts': sum(1 for row in rows if row[3] == 'conflict'),
            'by_op': {op: figures([r for r in rows if r[0] == op]) for op, _w in MIX},
            'by_role': {role: figures([r for r in rows if r[1] == role]) for role, _w in ROLES},
            'load': (load_before, os.getloadavg()[0]), 'others': others}


def _own_cpu(server_cpu):
    """CPU seconds of this process, its finished children (the clients) and the server side."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + (server_cpu() if server_cpu else 0.0)


def _cores(busy):
    return '?' if busy is None else f'{busy:.1f}'


def _report(name, f):
    print(f"  {name:8} {f['users']:>2} clients: {f['rps']:6.1f} req/s  p50 {f['p50']:6.1f}  p95 {f['p95']:6.1f}  "
          f"p99 {f['p99']:6.1f} ms  errors {f['errors']}  version conflicts {f['conflicts']}  "
          f"load average {f['load'][0]:.1f}→{f['load'][1]:.1f}, other jobs {_cores(f['others'])} cores"
          + (f" (attempt {f['attempts']})" if f['attempts'] > 1 else ''))
    print('      p50/p95 by operation: ' + ', '.join(f"{op} {v['p50']}/{v['p95']}"
                                                   for op, v in f['by_op'].items() if v['n']))
    print('      p50/p95 by role:      ' + ', '.join(f"{role} {v['p50']}/{v['p95']}"
                                                   for role, v in f['by_role'].items() if v['n']))


def bench(urls, leads, levels, duration, workdir, sample_seed, quiet_wait=0):
    """Run every level on every backend, interleaved (level 1 on each, then level 2 ...), so that
    the backends share whatever else the machine is doing; return {name: (results, best, leads)}."""
    runs = {}
    for name, url in urls.items():
        print(f'{name}: {url.split("@")[-1]}')
        accounts, total = prepare(url, leads, max(levels), sample_seed)
        print('  logged-in users: ' + '; '.join(f"{role} {', '.join(a['username'] for a in accounts[role])}"
                                                for role, _w in ROLES))
        stack = Stack(url, f'sqlite:///{workdir}/{name}-queue.db', workdir / name, workers=2)
        database = None if url.startswith('sqlite') else url.rsplit('/', 1)[1].split('?')[0]
        runs[name] = {'accounts': accounts, 'total': total, 'stack': stack, 'results': [], 'database': database}
    try:
        for run in runs.values():
            run['stack'].start_web()
            _warm_up(run['stack'].base, run['accounts'])
        for clients in levels:
            for name, run in runs.items():
                stack = run['stack']
                figures = run_level(stack.base, clients, duration, run['accounts'], quiet_wait,
                                    lambda: stack_cpu(stack.web.pid, run['database']))
                run['results'].append(figures)
                _report(name, figures)
    finally:
        for run in runs.values():
            run['stack'].stop()
    summary = {}
    for name, run in runs.items():
        good = [f for f in run['results'] if f['p95'] <= P95_TARGET_MS and not f['errors']]
        best = max(good, key=lambda f: f['rps']) if good else None
        if best:
            print(f"{name}: best within p95 ≤ {P95_TARGET_MS} ms: {best['rps']:.1f} req/s at {best['users']} clients")
        else:
            print(f'{name}: no level met p95 ≤ {P95_TARGET_MS} ms without errors')
        summary[name] = (run['results'], best, run['total'])
    return summary


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--leads', type=int, default=1_000_000)
    parser.add_argument('--backends', default='sqlite,postgres')
    parser.add_argument('--pg-url', default='postgresql://postgres@127.0.0.1:5432/ltc_scale_load',
                        help='a throwaway PostgreSQL database (created when missing; a demo company in it is '
                             'reused, anything else in it is dropped)')
    parser.add_argument('--duration', type=float, default=20)
    parser.add_argument('--levels', help='concurrent clients per level (default 1,2,4,6,8; --quick 1,2,4)')
    parser.add_argument('--data-dir', default=str(Path(tempfile.gettempdir()) / 'ltc-load'),
                        help='where the SQLite database is kept for reuse (default: %(default)s)')
    parser.add_argument('--quick', action='store_true', help='20,000 leads, 5 s per level, 1/2/4 clients')
    parser.add_argument('--quiet-wait', type=float, default=0,
                        help='before each level wait up to this many seconds for other jobs to leave the cores '
                             'idle (a shared machine; default 0: do not wait)')
    parser.add_argument('--seed', type=int, default=int(time.time()) % 100_000,
                        help='which users and records the clients sample (default: a new sample each run, so '
                             'the edits meet leads no earlier run has saved; give the printed seed to repeat it)')
    args = parser.parse_args(argv)
    if args.quick:
        args.leads, args.duration = min(args.leads, 20_000), min(args.duration, 5)
    args.levels = args.levels or ('1,2,4' if args.quick else '1,2,4,6,8')
    workdir = Path(args.data_dir)
    workdir.mkdir(parents=True, exist_ok=True)
    levels = [int(x) for x in args.levels.split(',')]
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; demo company with {args.leads:,} leads, "
          f"{args.duration:g} s per level, sample seed {args.seed}")
    urls = {}
    for name in args.backends.split(','):
        if name == 'sqlite':
            urls[name] = f'sqlite:///{workdir}/load-demo-{args.leads}.db'
        elif name == 'postgres':
            urls[name] = args.pg_url
            if not _pg_exists(args.pg_url):
                recreate_database(args.pg_url)
        else:
            parser.error(f'unknown backend {name!r}; use sqlite and/or postgres')
    summary = bench(urls, args.leads, levels, args.duration, workdir, args.seed, args.quiet_wait)
    print('\n| backend | leads | clients | req/s | p50 ms | p95 ms | p99 ms | errors | version conflicts '
          '| load average | other jobs, cores |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|')
    for name, (results, best, total) in summary.items():
        for f in results:
            mark = ' **best**' if f is best else ''
            print(f"| {name}{mark} | {total:,} | {f['users']} | {f['rps']:.1f} | {f['p50']:.1f} | {f['p95']:.1f} | "
                  f"{f['p99']:.1f} | {f['errors']} | {f['conflicts']} | {f['load'][0]:.1f}→{f['load'][1]:.1f} | "
                  f"{_cores(f['others'])} |")
    return 0 if all(best for _, best, _ in summary.values()) else 1


def _pg_exists(url):
    """True when the database exists (a previous run's demo company is reused and grown)."""
    import psycopg2
    try:
        psycopg2.connect(url).close()
        return True
    except psycopg2.OperationalError:
        return False


if __name__ == '__main__':
    sys.exit(main())
