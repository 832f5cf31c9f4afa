"""Bulk intake of new leads (imports, syncs): keys, grade, duplicate link and owner for a whole batch.

`save_lead` does the same for one lead with a query or two per step; an import of 100,000 rows
needs the answers for 500 rows at a time from a handful of queries, with the assignment
counters kept in memory between rows.
"""
from peewee import fn
from psycopg2.extras import execute_batch

from ..db import database, in_marks, is_sqlite, select_in, utcnow
from ..models import AssignmentRule, GradingRule, Lead, User
from . import audit
from .assignment import OPEN_STATUSES, move_pointer, rule_matches
from .dedupe import alike_on_domain, normalise
from .leads import _apply_grade, thresholds

KEYS = ('phone_norm', 'email_norm', 'company_norm')   # exact keys; a shared domain also needs alike names


def _wrap(row):
    """Return a Lead whose field values ARE the dict ROW (changes made to the lead land in ROW).

    `Lead(**row)` would set every field through its descriptor; the rules only read and
    assign fields, so sharing the dict is enough and several times cheaper in bulk.
    """
    lead = Lead(__no_default__=True)
    lead.__data__ = row
    return lead


class Intake:
    """Derive the fields a new lead gets on the way in, for many leads at once."""

    def __init__(self):
        self.grading = list(GradingRule.select().where(GradingRule.active)
                            .order_by(GradingRule.sequence, GradingRule.id))
        self.limits = thresholds()
        self.rules = list(AssignmentRule.select().where(AssignmentRule.active)
                          .order_by(AssignmentRule.priority, AssignmentRule.id))
        self.pointers = {r.id: r.last_assignee_id for r in self.rules}
        self.moved = set()
        self.loads = {}
        self.staff = {}
        self.roots = {}   # {(key, value): root lead id} found so far this run
        self.domains = {}  # {e-mail domain: [(company key, root lead id)]} read so far
        self.new_roots = []  # (domain, company key, code) of earlier batches' roots, ids not read yet
        self.users = {}   # {id: User} owners named by the rows
        self.stand_ins = None   # preview: {code: stand-in id} of the new leads of earlier batches

    def preview(self, batches):
        """Decide grade, duplicate link and owner for the new leads of BATCHES as the import will; write nothing.

        BATCHES are the import's batches of new leads (dicts of Lead field values, each with a
        `code`), in the order it writes them; each is yielded once decided. The same `prepare`
        runs on each; between batches, instead of an insert, each new lead gets a stand-in id
        after every stored one (in file order, as inserted ids are), so later batches find it as
        they would find it in the database. Each dict ends with what the import writes: grade,
        score, owner and duplicate_of, a stored lead's id or a new one's stand-in (`stand_in_code`).
        """
        self.stand_ins, self.first_stand_in = {}, (Lead.select(fn.MAX(Lead.id)).scalar() or 0) + 1
        self.new_codes = []
        try:
            for rows in batches:
                for row in rows:
                    self.stand_ins[row['code']] = self.first_stand_in + len(self.new_codes)
                    self.new_codes.append(row['code'])
                linked = dict(self.prepare(rows))   # in-batch duplicates: linked after the insert (link_duplicates)
                for row in rows:
                    if row['code'] in linked:
                        row['duplicate_of'] = self.stand_ins[linked[row['code']]]
                    elif row.get('duplicate_of') is None:   # a root: later batches find it by its keys
                        for key in KEYS:
                            if row.get(key):
                                self.roots.setdefault((key, row[key]), self.stand_ins[row['code']])
                yield rows
        finally:
            self.stand_ins = None

    def stand_in_code(self, lead_id):
        """Return the code of the new lead LEAD_ID stands in for in a preview, or None for a stored lead."""
        index = lead_id - self.first_stand_in
        return self.new_codes[index] if 0 <= index < len(self.new_codes) else None

    def prepare(self, rows):
        """Fill derived fields in ROWS (dicts of Lead field values) in place; return in-batch duplicate pairs.

        The pairs are (code, code of the earlier row it duplicates) for rows that repeat a row of
        the same batch, which has no id until inserted: link them with `link_duplicates` after.
        """
        leads = [_wrap(row) for row in rows]
        for lead in leads:
            normalise(lead)
            _apply_grade(lead, self.grading, self.limits)
        originals = self._originals(rows)
        self._read_domains(rows)
        first_in_batch, pairs, batch_domains = {}, [], {}
        for row, lead in zip(rows, leads):   # the lead's field values are the row dict itself
            keys = [(k, row[k]) for k in KEYS if row.get(k)]
            domain, norm = row.get('email_domain'), row.get('company_norm')
            root = next((originals[pair] for pair in keys if pair in originals), None)
            if root is None and domain:
                root = min((r for other, r in self.domains.get(domain, ()) if alike_on_domain(norm, other)), default=None)
            earlier = None
            if root is None:
                earlier = next((first_in_batch[pair] for pair in keys if pair in first_in_batch), None)
                if earlier is None and domain:
                    # An alike name met earlier in the batch: link to what that row links to.
                    match = next((entry for entry in batch_domains.get(domain, ()) if alike_on_domain(norm, entry[0])),
                                 None)
                    if match is not None:
                        root, earlier = match[1], match[2]
                if earlier is not None:
                    pairs.append((row['code'], earlier))
            for pair in keys:   # a later row with this key links to the same root, never to a duplicate
                first_in_batch.setdefault(pair, earlier or row['code'])
            if domain and norm:
                # (company key, root id in the database, or code of the batch's root row): never a duplicate.
                batch_domains.setdefault(domain, []).append((norm, root, None if root else earlier or row['code']))
                if root is None and earlier is None:
                    self.new_roots.append((domain, norm, row['code']))
            row['duplicate_of'] = root
            if row.get('status') == 'new':
                owner = row.get('owner')
                self._assign(lead, self._choose(lead) if owner is None else self._user(owner))
        return pairs

    def _user(self, user_id):
        """Return the User USER_ID (a sheet names the same few owners on many rows: one query each)."""
        user_id = getattr(user_id, 'id', user_id)
        if user_id not in self.users:
            self.users[user_id] = User.get_by_id(user_id)
        return self.users[user_id]

    def _originals(self, rows):
        """Return {(key, value): id of the oldest root lead} for the keys LEADS carry.

        Only roots (leads that are not duplicates themselves) are asked for, one row per key
        value, so a company that already has thousands of duplicates costs one row, not thousands.
        Roots found stay known for the rest of the run: a key shared by many rows of a file
        (one company's e-mail domain) is looked up once, not once per batch (which re-read
        every earlier duplicate of it and made big imports quadratic).
        """
        found = self.roots
        for key in KEYS:
            values = {row[key] for row in rows if row.get(key)}
            values = [v for v in values if (key, v) not in found]
            if not values:
                continue
            cursor = database.execute_sql(
                f'SELECT "{key}", MIN(id) FROM "lead" WHERE "{key}" IN ({in_marks(values)}) '
                f'AND duplicate_of_id IS NULL GROUP BY "{key}"', values)
            for value, root in cursor.fetchall():
                found[(key, value)] = root
        return found

    def _read_domains(self, rows):
        """Read, once per run, each new e-mail domain's company keys with their oldest root lead."""
        if self.new_roots:   # the roots earlier batches of this run inserted count for the later ones
            ids = self.stand_ins if self.stand_ins is not None else {
                r['code']: r['id'] for r in select_in(Lead, Lead.code, {c for *_x, c in self.new_roots},
                                                      [Lead.code, Lead.id])}
            for domain, norm, code in self.new_roots:
                if domain in self.domains and code in ids:
                    self.domains[domain].append((norm, ids[code]))
            self.new_roots = []
        wanted = [d for d in {row['email_domain'] for row in rows if row.get('email_domain')} if d not in self.domains]
        for domain in wanted:
            self.domains[domain] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            cursor = database.execute_sql(
                f'SELECT "email_domain", "company_norm", MIN(id) FROM "lead" WHERE "email_domain" IN ({in_marks(chunk)}) '
                f'AND duplicate_of_id IS NULL AND company_norm IS NOT NULL GROUP BY "email_domain", "company_norm"',
                chunk)
            for domain, norm, root in cursor.fetchall():
                self.domains[domain].append((norm, root))

    def _load(self, user_id):
        if user_id not in self.loads:
            self.loads[user_id] = (Lead.select(fn.COUNT(Lead.id))
                                   .where(Lead.owner == user_id, Lead.status.in_(OPEN_STATUSES)).scalar())
        return self.loads[user_id]

    def _has_room(self, user):
        return user.active and (user.open_lead_cap is None or self._load(user.id) < user.open_lead_cap)

    def _choose(self, lead):
        for rule in self.rules:
            if not rule_matches(rule, lead):
                continue
            if rule.method == 'user':
                if rule.assignee_id and self._has_room(rule.assignee):
                    return rule.assignee
                continue
            if rule.target_department_id is None:
                continue
            if rule.target_department_id not in self.staff:
                self.staff[rule.target_department_id] = list(User.active_sales(rule.target_department_id))
            candidates = [u for u in self.staff[rule.target_department_id] if self._has_room(u)]
            if not candidates:
                continue
            if rule.method == 'least_loaded':
                return min(candidates, key=lambda u: (self._load(u.id), u.id))
            after = self.pointers[rule.id] or 0
            chosen = next((u for u in candidates if u.id > after), candidates[0])
            self.pointers[rule.id] = chosen.id
            self.moved.add(rule.id)
            return chosen
        return None

    def _assign(self, lead, user):
        if user is None:
            return
        lead.owner = user.id
        lead.assigned_at = utcnow()
        lead.department = user.department_id or lead.department_id
        lead.status = 'assigned'
        self.loads[user.id] = self._load(user.id) + 1

    def link_duplicates(self, pairs):
        """Point each (code, earlier code) pair's lead at the earlier lead: one statement, audited in bulk.

        Both leads were inserted by this transaction a moment ago, so nobody else can hold a
        version of them: a plain UPDATE (bumping the version) is safe and far cheaper than a
        versioned save per row.
        """
        if not pairs:
            return
        ids = {r['code']: r['id'] for r in select_in(Lead, Lead.code, {e for _, e in pairs}, [Lead.code, Lead.id])}
        mark = database.param
        sql = (f'UPDATE "lead" SET duplicate_of_id = {mark}, version = version + 1, updated_at = {mark} '
               f'WHERE code = {mark}')
        now = utcnow()
        params = [(ids[earlier], now, code) for code, earlier in pairs]
        if is_sqlite():
            database.cursor().executemany(sql, params)
        else:   # psycopg2's executemany is one round trip per row
            execute_batch(database.cursor(), sql, params, page_size=500)
        audit.record_many([('Lead', code, 'dedupe', {'duplicate_of': [None, ids[earlier]]})
                           for code, earlier in pairs])

    def finish(self):
        """Store the round-robin pointers the batch moved (one update per rule, as assignment.next_turn does)."""
        for rule in self.rules:
            if rule.id in self.moved and rule.last_assignee_id != self.pointers[rule.id]:
                move_pointer(rule.id, self.pointers[rule.id])
        self.moved.clear()
