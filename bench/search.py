"""Contains-search speed: the lead list search box and the ajax look-ups at N demo leads (default 1,000,000).

The database is the demo company grown to N leads (`build_demo(scale=N)`, as bench/seed.py and
bench/load.py make it; a database already holding them is reused), with fresh planner statistics.
Each figure is the median of --runs requests through the Flask test client (full request: login
session, scope, search, rendering), as an admin, a demo manager and a demo sales user. The terms
come from a lead each user may see: two Chinese characters from the middle of its company name,
four, the pinyin initials and the full pinyin of its city and brand, its phone as people write it
(`138 0571 2233`), a term in most names (有限公司) and one in none.

Also: a manager filtering the list on a province none of their leads has, with the default order
and ordered by creation date, and (PostgreSQL) its EXPLAIN ANALYZE with --explain.

Usage: python bench/search.py [--leads N] [--database-url URL] [--runs 10] [--explain]
"""
import argparse
import datetime
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ltc import create_app, db as db_module, migrate  # noqa: E402
from ltc.demo import build_demo  # noqa: E402
from ltc.demo.names import BRANDS, CITIES  # noqa: E402
from ltc.models import Customer, Lead, Role, User  # noqa: E402
from ltc.searchkeys import _syllables  # noqa: E402
from ltc.services import audit, scope, users  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402

TODAY = datetime.date(2026, 11, 27)
PASSWORD = 'quartz-lantern-meadow-17'   # a strong one: the login rules refuse easy passwords
COMMON, ABSENT = '有限公司', 'zzqxjw'


def fill(leads):
    """Load the demo company grown to LEADS leads, unless the database already holds them."""
    have = Lead.select().count()
    if have >= leads:
        return have, 0.0
    start = time.perf_counter()
    with audit.acting_as('bench', 'cli'):
        build_demo(seed=42, scale=leads, today=TODAY,
                   progress=lambda message: print('  ' + message) if 'leads' in message else None)
    return Lead.select().count(), time.perf_counter() - start


def provinces_of(user):
    return {p for (p,) in Lead.select(Lead.region_province).where(scope.condition(Lead, user)).distinct().tuples()}


def pick_users():
    """Return {role: user}: an admin, the branch manager and the sales user with the most leads.

    The manager is one whose leads miss some province (a branch, not the head of sales), so the
    filter outside the scope can be measured.
    """
    provinces = {p for p, _c, _en, _b in CITIES}

    def busiest(role):
        people = [u for u in User.select().join(Role).where(Role.name == role, User.active)
                  if role != 'manager' or provinces - provinces_of(u)]
        return max(people, key=lambda u: Lead.select().where(scope.condition(Lead, u)).limit(300_000).count())
    admin = User.get_or_none(User.username == 'bench-admin')
    if admin is None:
        with audit.acting_as('bench', 'cli'):
            admin = users.create_user('bench-admin', 'admin', PASSWORD)
    picked = {'admin': admin, 'manager': busiest('manager'), 'sales': busiest('sales')}
    with audit.acting_as('bench', 'cli'):
        for user in picked.values():
            users.set_password(user.username, PASSWORD)
    return picked


def terms_for(user):
    """Return [(label, term)] from a lead USER may see."""
    theirs = Lead.select().where(scope.condition(Lead, user), Lead.phone_norm.is_null(False))
    lead = theirs.order_by(Lead.id).offset(min(1000, theirs.limit(2000).count() // 2)).first()
    name = lead.company
    city = next(c for _p, c, _en, _b in CITIES if name.startswith(c))
    brand = next(b for b, _en in BRANDS if name[len(city):].startswith(b))
    middle = name[len(city):]
    head = _syllables(city + brand)
    phone = lead.phone_norm
    return [('2 Chinese characters, middle', middle[:2]), ('4 Chinese characters, middle', middle[:4]),
            ('pinyin initials (city+brand)', ''.join(s[0] for s in head)),
            ('full pinyin (city+brand)', ''.join(head)),
            ('phone as written', f'{phone[:3]} {phone[3:7]} {phone[7:]}'),
            (f'common term ({COMMON})', COMMON), (f'absent term ({ABSENT})', ABSENT)]


def median_ms(client, url, runs, **params):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, query_string=params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    return statistics.median(times)


def filter_arg(field):
    from ltc.admin.views_sales import LeadView
    return f'flt0_{[f.column.name for f in LeadView.column_filters].index(field)}'


def sort_arg(field):
    from ltc.admin.views_sales import LeadView
    return str(LeadView.column_sortable_list.index(field))


def explain(database, user, province):
    """Print EXPLAIN ANALYZE of the manager's filtered page: the capped id read the list makes first,
    the page by those ids, and (for comparison) the page as one query, by id and by creation date."""
    from ltc.admin.listing import COUNT_CAP, capped_ids, in_scope
    base = in_scope(Lead.select(), Lead, user).where(Lead.region_province == province)
    ids = capped_ids(base)
    by_ids = Lead.select().where(Lead.id.in_(ids or [0]))
    for label, query in (('capped ids (no order)', base.order_by().limit(COUNT_CAP + 1).select(Lead.id)),
                         ('page by those ids, by created_at', by_ids.order_by(Lead.created_at.desc()).limit(20)),
                         ('one query, by id', base.order_by(Lead.id.desc()).limit(20)),
                         ('one query, by created_at', base.order_by(Lead.created_at.desc()).limit(20))):
        sql, params = query.sql()
        plan = database.execute_sql('EXPLAIN (ANALYZE, BUFFERS) ' + sql, params).fetchall()
        print(f'--- manager {user.username}, province {province}: {label}')
        for (line,) in plan:
            print('    ' + line)


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--leads', type=int, default=1_000_000)
    parser.add_argument('--database-url')
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--explain', action='store_true')
    args = parser.parse_args(argv)
    url = args.database_url or f'sqlite:///{tempfile.mkdtemp()}/bench.db'
    app = create_app({'DATABASE_URL': url, 'LTC_ENV': 'testing', 'SECRET_KEY': 'bench-' + 'x' * 40,
                      'INSTANCE_PATH': tempfile.mkdtemp(), 'WTF_CSRF_ENABLED': False})
    logging.getLogger('ltc.request').setLevel(logging.WARNING)   # one log line per request otherwise
    database = db_module.database
    sqlite = url.startswith('sqlite')
    with database.connection_context():
        migrate.upgrade()
        ensure_reference_data()
        total, seconds = fill(args.leads)
        print(f'{total:,} leads ready ({"filled in %.0f s" % seconds if seconds else "reused"}, '
              f'{"SQLite" if sqlite else "PostgreSQL"})')
        database.execute_sql('ANALYZE' if sqlite else 'VACUUM ANALYZE')
        people = pick_users()
        terms = {role: terms_for(user) for role, user in people.items()}
        manager = people['manager']
        provinces = {p for p, _c, _en, _b in CITIES}
        absent = sorted(provinces - provinces_of(manager))
        customer = Customer.select().where(scope.condition(Customer, people['sales'])).first()
        if args.explain and not sqlite and absent:
            explain(database, manager, absent[0])
    print('load average (1, 5, 15 min): %.1f %.1f %.1f' % os.getloadavg())
    print(f'{"case":44} {"admin":>9} {"manager":>9} {"sales":>9}   (median ms of {args.runs})')
    clients = {}
    for role, user in people.items():
        clients[role] = app.test_client()
        response = clients[role].post('/login', data={'username': user.username, 'password': PASSWORD})
        assert response.status_code == 302, role
    baseline = [median_ms(clients[role], '/admin/lead/', args.runs) for role in people]
    print(f'{"list: no search (baseline, same run)":44} ' + ' '.join(f'{c:9.1f}' for c in baseline))
    for index in range(len(terms['admin'])):
        cells = []
        for role in people:
            label, term = terms[role][index]
            cells.append(median_ms(clients[role], '/admin/lead/', args.runs, search=term))
        print(f'list: {label:38} ' + ' '.join(f'{c:9.1f}' for c in cells))
    lookup = '/admin/opportunity/ajax/lookup/'
    for label, name, pick in (('look-up lead: 4 characters', 'lead', lambda t: t[1][1]),
                              ('look-up lead: pinyin initials', 'lead', lambda t: t[2][1]),
                              ('look-up lead: phone as written', 'lead', lambda t: t[4][1]),
                              ('look-up customer: 2 characters', 'customer', None),
                              ('look-up owner (user): 2 letters', 'owner', None)):
        cells = []
        for role in people:
            if pick is not None:
                query = pick(terms[role])
            elif name == 'customer':
                query = customer.name[2:4]
            else:
                query = people['sales'].username[1:3]
            cells.append(median_ms(clients[role], lookup, args.runs, name=name, query=query))
        print(f'{label:44} ' + ' '.join(f'{c:9.1f}' for c in cells))
    if absent:
        client = clients['manager']
        plain = median_ms(client, '/admin/lead/', args.runs, **{filter_arg('region_province'): absent[0]})
        ordered = median_ms(client, '/admin/lead/', args.runs, **{filter_arg('region_province'): absent[0],
                                                                  'sort': sort_arg('created_at'), 'desc': '1'})
        print(f'manager filters on a province outside their scope ({absent[0]}): '
              f'{plain:.1f} ms; ordered by created_at: {ordered:.1f} ms')
    print('load average (1, 5, 15 min): %.1f %.1f %.1f' % os.getloadavg())


if __name__ == '__main__':
    main(sys.argv[1:])
