"""Demo leads: one generator for the base company and for `--scale` bulk growth."""
import contextlib
import datetime
import random

from ..db import SQLITE_PRAGMAS, database, is_sqlite, reserve_codes
from ..models import Campaign, Department, GradingRule, Lead, User
from ..models import choices as C
from ..searchkeys import keys
from ..services import audit
from ..services.dedupe import company_domain
from ..services.leads import grade_of, reason_line, thresholds
from .names import (BRANDS, BUSINESSES, CITIES, DEPARTMENTS, DISQUALIFY_REASONS, FORMS, GIVEN,
                    REQUIREMENTS, SURNAMES, with_form)
from .writer import insert_sql, latest_moment

FIELDS = (Lead.code, Lead.company, Lead.contact_name, Lead.contact_title, Lead.phone, Lead.email,
          Lead.source, Lead.campaign, Lead.industry, Lead.region_province, Lead.region_city,
          Lead.company_size, Lead.budget, Lead.currency, Lead.requirement, Lead.department, Lead.owner,
          Lead.assigned_at, Lead.status, Lead.disqualify_reason, Lead.grade, Lead.score,
          Lead.score_reasons, Lead.phone_norm, Lead.email_norm, Lead.email_domain, Lead.company_norm,
          Lead.followup_count, Lead.search_keys,
          Lead.created_at, Lead.updated_at, Lead.created_by, Lead.version)
NAMES = tuple(f.name for f in FIELDS)
TRANSACTION = 100_000   # leads per transaction (one audit row each)
CHUNK = 10_000          # leads generated and written at a time (TRANSACTION is a multiple)
PROGRESS_EVERY = 50_000
BULK_CACHE_KB = 256 * 1024

# Weighted lists expanded once so a row costs one randrange per choice.
SOURCES = ['exhibition'] * 3 + ['seminar'] * 2 + ['website'] * 5 + ['online'] * 3 + ['referral'] * 2 \
    + ['cold_call'] * 2 + ['import'] * 2 + ['sheet'] * 2 + ['other']
SIZES = ['micro'] * 2 + ['small'] * 4 + ['medium'] * 4 + ['large'] * 3 + ['xlarge'] * 2
STATUSES = ['new'] * 20 + ['assigned'] * 20 + ['contacted'] * 20 + ['qualified'] * 12 + ['disqualified'] * 15
TITLES = ['总经理', '采购经理', 'IT经理', '生产总监', '设备主管', '工程师', '厂长', None]
BUDGETS = [0, 0, 50_000, 100_000, 200_000, 300_000, 500_000, 800_000, 1_000_000, 2_000_000, 5_000_000]


LEGAL_FORMS = tuple(sorted((zh for zh, _en in FORMS), key=len, reverse=True))


def company_norm(name):
    """Return the bare company name used for duplicate detection.

    The same key as dedupe.normalise_company for the names this generator makes (they end in
    one of FORMS), at a tenth of its cost, which matters at 1,000,000 rows.
    """
    for form in LEGAL_FORMS:
        if name.endswith(form):
            return name[:-len(form)].lower()
    return name.lower()


class LeadFactory:
    """Make believable lead rows (tuples in FIELDS order) from the demo's users, campaigns and rules."""

    def __init__(self, rng, today, actor):
        self.rng, self.today, self.actor = rng, today, actor
        self.latest = latest_moment(today)
        self.campaigns = {}
        for c in Campaign.select(Campaign.id, Campaign.code, Campaign.channel).order_by(Campaign.id):
            self.campaigns.setdefault(c.channel, []).append((c.id, c.code))
        self.sales = {}   # department id -> [user ids]
        for u in User.active_sales().where(User.department.is_null(False)):
            self.sales.setdefault(u.department_id, []).append(u.id)
        # City -> the branch covering it (by the demo's department names), else any sales team.
        by_name = {d.name_en: d.id for d in Department.select(Department.id, Department.name_en)}
        branch_names = {key: en for key, _parent, _zh, en in DEPARTMENTS}
        fallback = next(iter(self.sales), None)
        self.branch_of = {city_en: by_name.get(branch_names[branch], fallback)
                          for _prov, _city, city_en, branch in CITIES}
        names = {c.code: c.name for c in Campaign.select(Campaign.code, Campaign.name)}
        # The labels leads.rule_hit names for a matched value, so reasons read as a re-grade writes them.
        labels = {'industry': lambda v: C.INDUSTRIES.label(v, 'zh'), 'source': lambda v: C.SOURCES.label(v, 'zh'),
                  'company_size': lambda v: C.COMPANY_SIZES.label(v, 'zh'), 'region': lambda v: v,
                  'campaign': names.get}
        self.rules = []
        for rule in GradingRule.select().where(GradingRule.active).order_by(GradingRule.sequence, GradingRule.id):
            values = frozenset(v.strip() for v in rule.value.split(',') if v.strip())
            threshold = int(rule.value) if rule.field == 'budget' and rule.value.strip().isdigit() else None
            label = labels.get(rule.field)
            lines = ({v: reason_line(rule.name, rule.points, label(v) or '') for v in values} if label
                     else reason_line(rule.name, rule.points))
            self.rules.append((rule.field, values, threshold, rule.points, lines))
        self.limits = thresholds()   # the demo stores the thresholds it grades with (org._rules)

    def score(self, industry, province, source, campaign_code, budget, size, reachable):
        """Return (points, reasons) by the demo's grading rules, as leads.compute_grade gives them."""
        points, reasons = 0, []
        facts = {'industry': industry, 'region': province, 'source': source, 'campaign': campaign_code,
                 'company_size': size}
        for field, values, threshold, rule_points, lines in self.rules:
            if field == 'budget':
                hit = threshold is not None and budget >= threshold
            elif field == 'has_contact':
                hit = reachable
            elif field == 'no_contact':
                hit = not reachable
            else:
                hit = facts.get(field) in values
            if hit:
                points += rule_points
                reasons.append(lines[facts[field]] if isinstance(lines, dict) else lines)
        return points, '\n'.join(reasons)

    def grade(self, points):
        return grade_of(points, self.limits)

    def rescore(self, row):
        """Recompute a lead dict's score, reasons and grade after its fields were changed."""
        codes = {cid: code for pairs in self.campaigns.values() for cid, code in pairs}
        row['score'], row['score_reasons'] = self.score(
            row['industry'], row['region_province'], row['source'], codes.get(row['campaign']),
            row['budget'], row['company_size'], bool(row['phone'] or row['email']))
        row['grade'] = self.grade(row['score'])
        return row

    def row(self, code, i, status=None, source=None):
        """Return one lead as a dict; STATUS and SOURCE force a value (coverage of every choice)."""
        return dict(zip(NAMES, self.values(code, i, status, source)))

    def values(self, code, i, status=None, source=None):
        """Return one lead as a tuple in FIELDS order."""
        rand = self.rng.random

        def r(n):   # random() scaled: a third of randrange's cost, and this runs 20 times a row
            return int(rand() * n)

        province, city, city_en, _ = CITIES[r(len(CITIES))]
        brand, brand_en = BRANDS[r(len(BRANDS))]
        business, _biz_en, industry = BUSINESSES[r(len(BUSINESSES))]
        form = FORMS[r(3)][0]
        company = f'{city}{brand}{with_form(business, form)}'
        sur, sur_en = SURNAMES[r(len(SURNAMES))]
        given, given_en, _ = GIVEN[r(len(GIVEN))]
        reach = r(20)
        phone = f'1{"3456789"[r(7)]}{r(10 ** 9):09d}' if reach < 17 else None
        email = f'{given_en.lower()}.{sur_en.lower()}{r(100)}@{brand_en.lower().replace(" ", "")}.com.cn' \
            if reach % 3 != 2 and reach < 19 else None
        source = source or SOURCES[r(len(SOURCES))]
        camps = self.campaigns.get(source)
        campaign_id, campaign_code = camps[r(len(camps))] if camps and r(4) else (None, None)
        size = SIZES[r(len(SIZES))]
        budget = BUDGETS[r(len(BUDGETS))]
        points, reasons = self.score(industry, province, source, campaign_code, budget, size,
                                     bool(phone or email))
        status = status or STATUSES[r(len(STATUSES))]
        grade = self.grade(points)   # the demo's rules are active from the start: every lead is graded
        age = r(730)
        created = min(datetime.datetime.combine(self.today - datetime.timedelta(days=age),
                                                datetime.time(8 + r(11), r(60), r(60))), self.latest)
        dept = owner = assigned = None
        if status != 'new':
            dept = self.branch_of[city_en]
            people = self.sales.get(dept)
            owner = people[r(len(people))] if people else None
            assigned = min(created + datetime.timedelta(hours=1 + r(48)), self.latest)
        reason = DISQUALIFY_REASONS[r(len(DISQUALIFY_REASONS))] if status == 'disqualified' else None
        return (code, company, sur + given, TITLES[r(len(TITLES))], phone, email, source, campaign_id,
                industry, province, city, size, budget, 'CNY', REQUIREMENTS[r(len(REQUIREMENTS))],
                dept, owner, assigned, status, reason, grade, points, reasons, phone,
                email.lower() if email else None, company_domain(email.lower()) if email else None,
                company_norm(company), 0, keys(company, sur + given), created,
                assigned or created, self.actor, 1)


def grow_leads(total, seed, today, progress=None):
    """Insert leads in bulk until there are TOTAL; return how many were added."""
    have = Lead.select().count()
    if total <= have:
        return 0
    # The random stream depends on the seed and the starting count only: same inputs, same rows.
    factory = LeadFactory(random.Random(seed * 1_000_003 + have), today, audit.current()[0])
    sqlite = is_sqlite()
    sql = insert_sql(Lead, FIELDS)
    chunks = _batches(factory, have, total)
    done = have
    with _bulk_cache(sqlite):
        while done < total:
            count = min(TRANSACTION - done % TRANSACTION, total - done)   # ends on round numbers
            with database.atomic():
                codes = reserve_codes('L', count)
                written = 0
                while written < count:
                    rows = next(chunks)
                    rows = [(code,) + row[1:] for code, row in zip(codes[written:], rows)]
                    if sqlite:
                        # executemany of a plain INSERT: peewee's insert_many wraps every cell
                        # in a Value node, which caps it near 17k rows/s for this table.
                        database.cursor().executemany(sql, rows)
                    else:
                        for start in range(0, len(rows), 1000):
                            Lead.insert_many(rows[start:start + 1000], fields=FIELDS).execute()
                    written += len(rows)
                    _report(progress, done + written, len(rows), total)
                audit.record('Lead', codes[0], 'bulk_create',
                             {'count': count, 'first': codes[0], 'last': codes[-1]},
                             note=f'{codes[0]}..{codes[-1]}: {count} demo leads (--scale)')
            done += count
    return done - have


def _report(progress, done, count, total):
    if progress and (done // PROGRESS_EVERY != (done - count) // PROGRESS_EVERY or done == total):
        progress(f'leads: {done:,} of {total:,}')


@contextlib.contextmanager
def _bulk_cache(sqlite):
    """Give SQLite a bigger page cache for the bulk load, then put the configured one back.

    The lead table has 20 indexes, five of them on random keys (dates, phone, e-mail,
    company); with a 64 MB cache every transaction rewrote most of their pages, which made
    the load write ~30 GB for 1M leads. 256 MB keeps them in memory between commits.
    """
    if not sqlite:
        yield
        return
    database.execute_sql(f'PRAGMA cache_size = -{BULK_CACHE_KB}')
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {SQLITE_PRAGMAS['cache_size']}")


def _batches(factory, start, total):
    """Yield batches of lead rows (code still empty) for rows START..TOTAL, ending on multiples of CHUNK."""
    done = start
    while done < total:
        count = min(CHUNK - done % CHUNK, total - done)
        yield [factory.values(None, n) for n in range(done, done + count)]
        done += count
