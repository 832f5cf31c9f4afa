"""Web-to-lead throughput: leads per second posted to /intake/<key> through gunicorn (2 workers,
LTC_ENV=production), beside GET /healthz under the same load as the baseline of the same run.

Each answer goes through the whole lead command: the duplicate check (one in ten repeats an earlier
phone), grading by the default rules, round-robin assignment over five sales users, the audit row and a
webhook delivery for lead.created (an active subscription is in place, as in production).

It also prints the gunicorn workers' CPU time per answer (read from /proc), which the clients and the
database server sharing the machine do not distort.

Usage: python bench/web_to_lead.py [--seconds 15] [--clients 8] [--database-url URL]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(url, instance):
    """Migrate URL and make a campaign, its web form, five sales users with a round-robin rule, a webhook."""
    from ltc import create_app, db as db_module, migrate
    from ltc.models import AssignmentRule, Campaign, Department, IntakeForm, Role, User, WebhookSubscription
    from ltc.services import audit, intake_forms, leads, webhooks
    from ltc.services.reference import ensure_reference_data
    create_app({'DATABASE_URL': url, 'LTC_ENV': 'testing', 'SECRET_KEY': 'bench-' + 'x' * 40,
                'INSTANCE_PATH': instance})
    database = db_module.database
    with database.connection_context(), audit.acting_as('bench', 'cli'):
        migrate.upgrade()
        ensure_reference_data()
        leads.install_default_rules()
        team = audit.save(Department(name='网销部', name_en='Web sales'))
        sales = Role.get(Role.name == 'sales')
        for n in range(5):
            audit.save(User(username=f'web{n}', display_name=f'网销{n}', role=sales, department=team))
        audit.save(AssignmentRule(name='website', priority=1, source='website', method='round_robin',
                                  target_department=team))
        campaign = audit.save(Campaign(name='官网', channel='website', status='active'))
        form = intake_forms.save_form(IntakeForm(name='bench', campaign=campaign,
                                                 allowed_fields='company contact_name phone email requirement'))
        webhooks.save_subscription(WebhookSubscription(name='bench', url='http://127.0.0.1:9/none',
                                                       events='lead.created'))
        return form.key


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_gunicorn(url, instance, port):
    env = dict(os.environ, LTC_DATABASE_URL=url, LTC_INSTANCE_PATH=instance, LTC_ENV='production',
               LTC_SECRET_KEY='bench-' + 'x' * 40, LTC_INTAKE_RATE_LIMIT='1000000 per minute',
               LTC_INTAKE_FORM_RATE_LIMIT='1000000 per minute', LTC_COOKIE_SECURE='0')
    process = subprocess.Popen([str(ROOT / '.venv/bin/gunicorn'), '-w', '2', '-b', f'127.0.0.1:{port}',
                                '--log-level', 'warning', 'app:app'], cwd=ROOT, env=env,
                               stderr=subprocess.DEVNULL)   # one JSON request log line per lead
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
            conn.request('GET', '/healthz')
            if conn.getresponse().status in (200, 503):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit('gunicorn did not start')


def client(args):
    """Send requests for SECONDS; return (ok count, other count)."""
    port, path, seconds, number, body_of = args
    ok = bad = 0
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
        if body_of:
            n = number * 1_000_000 + i
            phone = f'139{(n - n % 10 if n % 10 == 9 else n):08d}'   # one in ten repeats an earlier phone
            body = json.dumps({'company': f'网联科技有限公司{n}', 'contact_name': '张三', 'phone': phone,
                               'email': f'buyer@co{n}.cn', 'requirement': '需要一套 CRM'})
            conn.request('POST', path, body, {'Content-Type': 'application/json', 'Accept': 'application/json'})
        else:
            conn.request('GET', path)
        response = conn.getresponse()
        status, text = response.status, response.read()
        conn.close()
        if status not in (200, 201) and not bad:
            print(f'first refusal: {status} {text[:300]!r}', file=sys.stderr)
        ok, bad = (ok + 1, bad) if status in (200, 201) else (ok, bad + 1)
        i += 1
    return ok, bad


def worker_cpu(master):
    """Return the CPU seconds (user + system) the gunicorn workers of MASTER (a pid) have used so far."""
    ticks = os.sysconf('SC_CLK_TCK')
    with open(f'/proc/{master}/task/{master}/children') as f:
        pids = f.read().split()
    total = 0
    for pid in pids:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        total += int(fields[11]) + int(fields[12])   # utime, stime
    return total / ticks


def rate(port, path, seconds, clients, post, master=None):
    """Return (requests per second, refused, worker CPU ms per answered request)."""
    cpu = worker_cpu(master) if master else 0
    with multiprocessing.Pool(clients) as pool:
        start = time.perf_counter()
        results = pool.map(client, [(port, path, seconds, n, post) for n in range(clients)])
        elapsed = time.perf_counter() - start
    ok = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    used = (worker_cpu(master) - cpu) if master else 0
    return ok / elapsed, bad, used * 1000 / max(ok, 1)


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--seconds', type=float, default=15)
    parser.add_argument('--clients', type=int, default=8)
    parser.add_argument('--database-url')
    args = parser.parse_args(argv)
    instance = tempfile.mkdtemp()
    url = args.database_url or f'sqlite:///{instance}/bench.db'
    key = prepare(url, instance)
    port = free_port()
    server = start_gunicorn(url, instance, port)
    load = os.getloadavg()
    try:
        rate(port, '/healthz', 2, args.clients, False)   # warm both workers
        baseline, _, health_cpu = rate(port, '/healthz', args.seconds, args.clients, False, server.pid)
        leads_per_s, refused, lead_cpu = rate(port, f'/intake/{key}', args.seconds, args.clients, True, server.pid)
    finally:
        server.terminate()
        server.wait()
    from ltc import create_app, db as db_module
    from ltc.models import Lead, WebhookDelivery
    create_app({'DATABASE_URL': url, 'LTC_ENV': 'testing', 'SECRET_KEY': 'bench-' + 'x' * 40, 'INSTANCE_PATH': instance})
    with db_module.database.connection_context():
        made = Lead.select().count()
        duplicates = Lead.select().where(Lead.duplicate_of.is_null(False)).count()
        owned = Lead.select().where(Lead.owner.is_null(False)).count()
        events = WebhookDelivery.select().count()
    print(f'database: {url.split(":")[0]}, gunicorn 2 workers, {args.clients} clients, {args.seconds:g} s each')
    print(f'{"baseline GET /healthz":34} {baseline:8.1f} req/s')
    print(f'{"POST /intake/<key> (JSON)":34} {leads_per_s:8.1f} leads/s  ({leads_per_s / baseline:.2f}x baseline)'
          f'  refused {refused}')
    print(f'leads {made:,}: duplicates flagged {duplicates:,}, assigned {owned:,}; webhook deliveries {events:,}')
    # The workers' own CPU per answer (the clients and the database server not counted): what two cores
    # given to the workers alone could answer at most.
    print(f'worker CPU per answer: /healthz {health_cpu:.2f} ms, lead {lead_cpu:.2f} ms '
          f'(2 cores: at most {2000 / lead_cpu:,.0f} leads/s for the workers alone)' if lead_cpu else '')
    print(f'load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after '
          + ' '.join(f'{v:.2f}' for v in os.getloadavg()))


if __name__ == '__main__':
    main(sys.argv[1:])
