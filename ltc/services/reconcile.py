"""Bank receipts: statement lines in, match suggestions out, confirmed matches recorded as payments.

A statement (rows of cells, header included; the doors read the file) becomes receipts: one per
credit line, each imported once (a fingerprint of date, account, amount, reference and its
occurrence). Suggestions score open plans per receipt by the contract code in the reference, the
payer's account (known from earlier matches), the payer's name against the customer's, and the
amount. A confirmed match applies an amount of a receipt to a plan through
`receivables.record_payment`: one receipt to several plans, several receipts to one plan, and
never more of a receipt than it holds.
"""
import datetime
import hashlib
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..db import database, is_sqlite, reserve_codes, utcnow
from ..models import BankReceipt, Contract, Customer, PaymentPlan, ReceiptMatch
from . import audit, gate
from .cash_common import get_by_code, get_user, money
from .messages import invalid, refusal

# Header names of the common Chinese bank exports (ICBC, CCB, BOC, ABC, CMB, BoCom ...) and English ones.
HEADERS = {
    'received_on': ('交易日期', '日期', '记账日期', '入账日期', '交易时间', '交易日', 'date', 'transaction date',
                    'value date', 'booking date'),
    'payer_name': ('对方户名', '对方名称', '对方账户名称', '对方单位', '付款人名称', '付款方户名', '付款人户名', '付款人',
                   'payer', 'payer name', 'counterparty', 'counterparty name'),
    'payer_account': ('对方账号', '对方账户', '付款人账号', '付款方账号', '对方账号/卡号', 'payer account',
                      'counterparty account', 'account no', 'account number'),
    'amount': ('贷方发生额', '贷方金额', '收入金额', '收入', '入账金额', '贷方', '金额', '交易金额', 'credit',
               'credit amount', 'amount'),
    'debit': ('借方发生额', '借方金额', '支出金额', '支出', '借方', 'debit', 'debit amount'),
    'reference': ('摘要', '附言', '用途', '备注', '交易附言', '交易摘要', 'reference', 'memo', 'remark', 'purpose',
                  'description'),
    'currency': ('币种', '货币', 'currency'),
}
WRITERS = ('admin', 'ops', 'finance')
CODE_TOKENS = re.compile(r'[A-Za-z0-9][A-Za-z0-9\-_/]{3,}')
NAME_NOISE = re.compile(r'[\s()（）【】\[\]·.,，。"“”\'-]+')
SCORES = {'code': 50, 'account': 35, 'name': 30, 'amount': 25}


def _key(text):
    return unicodedata.normalize('NFKC', str(text or '')).strip().lower()


def name_key(name):
    """Return a company name as compared: NFKC, case folded, no spaces, brackets or punctuation."""
    return NAME_NOISE.sub('', _key(name))


# -- reading a statement -------------------------------------------------------------------
def _header_map(row):
    names = {_key(n): attr for attr, aliases in HEADERS.items() for n in aliases}
    found = {}
    for i, cell in enumerate(row):
        attr = names.get(_key(cell).lstrip('*'))
        if attr and attr not in found.values():
            found[i] = attr
    return found


def find_header(rows, scan=30):
    """Return (index of the header row, {column: field}); bank exports put account details above it."""
    best = (None, {})
    for n, row in enumerate(rows[:scan]):
        found = _header_map(row)
        if {'received_on', 'amount'} <= set(found.values()) and len(found) > len(best[1]):
            best = (n, found)
    if best[0] is None:
        raise invalid('No statement header found: a row needs at least a date column (交易日期) and an amount column '
                      '(金额 or 贷方发生额).', '未找到对账单表头：至少需要日期列（交易日期）和金额列（金额或贷方发生额）。')
    return best


def parse_date(value):
    """Return a date from a date cell, 2026-03-02, 2026/3/2, 20260302 or 2026年3月2日 (time ignored); None if not."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _key(value)
    match = re.match(r'(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})', text)
    if not match:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_amount(value):
    """Return a money amount from 1,234.50, ¥1,234.50, (1,234.50) or a number; None when empty or not a number."""
    if value is None or value == '':
        return None
    if isinstance(value, (int, float, Decimal)):
        return money(value)
    text = _key(value).replace(',', '').replace('¥', '').replace('￥', '').replace('rmb', '').replace('cny', '')
    negative = text.startswith('(') and text.endswith(')')
    try:
        amount = money(Decimal(text.strip('()').strip() or 'x'))
    except (InvalidOperation, Exception):
        return None
    return -amount if negative else amount


def read_statement(rows):
    """Return (receipts as dicts, skipped [(row number, reason en, reason zh)]) from a statement's ROWS."""
    start, columns = find_header(rows)
    out, skipped, seen = [], [], {}
    for n, cells in enumerate(rows[start + 1:], start + 2):
        values = {attr: cells[i] if i < len(cells) else None for i, attr in columns.items()}
        if not any(v not in (None, '') for v in values.values()):
            continue
        amount = parse_amount(values.get('amount'))
        debit = parse_amount(values.get('debit'))
        if amount is None or amount <= 0:
            if not (debit and debit > 0):   # a debit line is not a receipt: skip it silently
                skipped.append((n, 'no credit amount', '没有贷方金额'))
            continue
        on = parse_date(values.get('received_on'))
        if on is None:
            skipped.append((n, f'no date in {values.get("received_on")!r}', f'日期无法识别：{values.get("received_on")!r}'))
            continue
        row = {'received_on': on, 'amount': amount,
               'payer_name': str(values.get('payer_name') or '').strip()[:200] or None,
               'payer_account': re.sub(r'\s+', '', str(values.get('payer_account') or ''))[:60] or None,
               'reference': str(values.get('reference') or '').strip()[:255] or None,
               'currency': (str(values.get('currency') or '').strip().upper()[:3] or 'CNY')}
        if row['currency'] in ('人民币', 'RMB', '人民'):
            row['currency'] = 'CNY'
        base = '|'.join(str(row[k] or '') for k in ('received_on', 'payer_account', 'payer_name', 'amount',
                                                    'reference'))
        seen[base] = seen.get(base, 0) + 1
        row['fingerprint'] = hashlib.sha1(f'{base}|{seen[base]}'.encode()).hexdigest()
        out.append(row)
    return out, skipped


def import_statement(rows, statement=None, by=None):
    """Store the credit lines of ROWS as receipts (each once); return (created, already there, skipped)."""
    by = get_user(by)
    gate.check_role(by, BankReceipt, 'create')
    receipts, skipped = read_statement(rows)
    with database.atomic():
        known = set()
        prints = [r['fingerprint'] for r in receipts]
        for start in range(0, len(prints), 500):
            chunk = prints[start:start + 500]
            known.update(p for (p,) in BankReceipt.select(BankReceipt.fingerprint)
                         .where(BankReceipt.fingerprint.in_(chunk)).tuples())
        new = [r for r in receipts if r['fingerprint'] not in known]
        codes = reserve_codes(BankReceipt.code_prefix, len(new)) if new else []
        now, who = utcnow(), audit.current()[0]
        for row, code in zip(new, codes):
            row.update(code=code, statement=(statement or '')[:120] or None, created_at=now, updated_at=now,
                       created_by=who, status='unmatched', matched_amount=Decimal('0'))
        for start in range(0, len(new), 500):
            BankReceipt.insert_many(new[start:start + 500]).execute()
        audit.record_many([('BankReceipt', r['code'], 'import', {'amount': [None, str(r['amount'])]})
                           for r in new])
    return len(new), len(receipts) - len(new), skipped


# -- suggestions -------------------------------------------------------------------------------
class PlanIndex:
    """Open plans by contract code, customer name, customer id and outstanding amount, read once."""

    def __init__(self):
        rows = (PaymentPlan.select(PaymentPlan.id, PaymentPlan.code, PaymentPlan.amount, PaymentPlan.paid_amount,
                                   PaymentPlan.due_on, PaymentPlan.currency, Contract.code, Contract.customer,
                                   Customer.name, Customer.invoice_title)
                .join(Contract, on=(PaymentPlan.contract == Contract.id))
                .join(Customer, on=(Contract.customer == Customer.id))
                .where(PaymentPlan.status.in_(('pending', 'partial', 'overdue')),
                       Contract.status.in_(('effective', 'executing', 'completed', 'expired')))
                .tuples())
        self.plans, self.by_code, self.by_customer, self.by_name, self.by_amount = {}, {}, {}, {}, {}
        for pid, code, amount, paid, due, currency, contract, customer, name, title in rows:
            due_amount = money(amount) - money(paid)
            plan = {'id': pid, 'code': code, 'contract': contract, 'customer': customer, 'due_on': due,
                    'outstanding': due_amount, 'currency': currency}
            self.plans[pid] = plan
            self.by_code.setdefault(_key(contract), []).append(pid)
            self.by_code.setdefault(_key(code), []).append(pid)
            self.by_customer.setdefault(customer, []).append(pid)
            for each in {name_key(name), name_key(title)} - {''}:
                self.by_name.setdefault(each, set()).add(customer)
            self.by_amount.setdefault(due_amount, []).append(pid)
        known = (ReceiptMatch.select(BankReceipt.payer_account, Contract.customer)
                 .join(BankReceipt, on=(ReceiptMatch.receipt == BankReceipt.id))
                 .switch(ReceiptMatch).join(PaymentPlan, on=(ReceiptMatch.plan == PaymentPlan.id))
                 .join(Contract, on=(PaymentPlan.contract == Contract.id))
                 .where(BankReceipt.payer_account.is_null(False)).distinct().tuples())
        self.by_account = {}
        for account, customer in known:
            self.by_account.setdefault(account, set()).add(customer)

    def candidates(self, receipt):
        """Return [(score, plan dict, reasons)] for RECEIPT (a BankReceipt or dict), best first."""
        get = receipt.get if isinstance(receipt, dict) else lambda k: getattr(receipt, k)
        free = money(get('amount')) - money(get('matched_amount') or 0)
        found = {}

        def add(pid, reason):
            found.setdefault(pid, set()).add(reason)
        for token in CODE_TOKENS.findall(get('reference') or ''):
            for pid in self.by_code.get(_key(token), ()):
                add(pid, 'code')
        customers = set(self.by_account.get(get('payer_account'), ()))
        for customer in customers:
            for pid in self.by_customer.get(customer, ()):
                add(pid, 'account')
        for customer in self.by_name.get(name_key(get('payer_name')), ()):
            for pid in self.by_customer.get(customer, ()):
                add(pid, 'name')
        for pid in found:
            if self.plans[pid]['outstanding'] == free:
                found[pid].add('amount')
        if not found:   # the amount alone: only when exactly one open plan has it
            same = self.by_amount.get(free, ())
            if len(same) == 1:
                add(same[0], 'amount')
        currency = get('currency') or 'CNY'
        out = [(sum(SCORES[r] for r in reasons), self.plans[pid], sorted(reasons, key=list(SCORES).index))
               for pid, reasons in found.items() if self.plans[pid]['currency'] == currency]
        out.sort(key=lambda c: (-c[0], c[1]['due_on'] or datetime.date.max, c[1]['id']))
        return out


def suggestions(receipts=None, limit=3, index=None):
    """Return [(receipt, [(score, plan, reasons), ...])] for RECEIPTS (default: all not fully matched)."""
    index = index or PlanIndex()
    if receipts is None:
        receipts = (BankReceipt.select().where(BankReceipt.status != 'matched')
                    .order_by(BankReceipt.received_on, BankReceipt.id))
    return [(r, index.candidates(r)[:limit]) for r in receipts]


# -- confirming ------------------------------------------------------------------------------------
def confirm(allocations, by=None):
    """Apply ALLOCATIONS [(receipt, plan, amount or None)] in one transaction; return the ReceiptMatch rows.

    An amount left empty takes what both the receipt and the plan still have. Each allocation is a
    payment through the receivables rules (open plan, no over-payment, the contract's currency).
    """
    from . import receivables
    by = get_user(by)
    if by is not None and by.role.name not in WRITERS:
        raise refusal('Refused: a {role} user may not match bank receipts; ask finance.',
                      '已拒绝：「{role}」角色不能匹配银行收款；请联系财务。', error_class=gate.PermissionDenied,
                      role=by.role.name)
    if not allocations:
        raise invalid('Name at least one receipt and plan to match.', '请至少指定一笔收款和一个回款计划。')
    done = []
    with database.atomic():
        for receipt, plan, amount in allocations:
            receipt = _fresh(get_by_code(BankReceipt, receipt))
            plan = PaymentPlan.get_by_id(get_by_code(PaymentPlan, plan).id)
            contract = Contract.get_by_id(plan.contract_id)
            gate.require(by, contract)
            free = money(receipt.amount) - money(receipt.matched_amount)
            due = money(plan.amount) - money(plan.paid_amount)
            amount = min(free, due) if amount in (None, '') else money(amount)
            if free <= 0:
                raise refusal('Rule {rule}: receipt {code} is already matched in full ({amount:,}); nothing is matched '
                              'twice.', '规则 {rule}：收款 {code} 已全部匹配（{amount:,}）；同一笔收款不能重复匹配。',
                              rule='receipt-matched', code=receipt.code, amount=money(receipt.amount))
            if amount <= 0 or amount > free:
                raise refusal('Rule {rule}: receipt {code} has {free:,} left to match; {amount:,} cannot be applied.',
                              '规则 {rule}：收款 {code} 尚余 {free:,} 可匹配；不能匹配 {amount:,}。',
                              rule='receipt-matched', code=receipt.code, free=free, amount=amount)
            if (receipt.currency or 'CNY') != contract.currency:
                raise refusal('Rule {rule}: receipt {code} is in {currency} but contract {contract} is in '
                              '{contract_currency}; match it to a plan in {currency}.',
                              '规则 {rule}：收款 {code} 的币种为 {currency}，合同 {contract} 的币种为 {contract_currency}；'
                              '请匹配到 {currency} 的回款计划。', rule='payment-currency', code=receipt.code,
                              currency=receipt.currency, contract=contract.code,
                              contract_currency=contract.currency)
            [payment] = receivables.record_payment(
                contract, amount, plan=plan, received_on=receipt.received_on, method='bank_transfer',
                reference=f'{receipt.code} {receipt.reference or ""}'.strip()[:120], by=by)
            done.append(audit.save(ReceiptMatch(receipt=receipt, plan=plan, payment=payment, amount=amount,
                                                confirmed_by=by, confirmed_at=utcnow()), action='confirm'))
            receipt.matched_amount = money(receipt.matched_amount) + amount
            receipt.status = 'matched' if receipt.matched_amount >= money(receipt.amount) else 'partial'
            audit.save(receipt, action='match')
    return done


def _fresh(receipt):
    # Two people confirming the same receipt: on PostgreSQL the second waits, then sees the first's match.
    if not is_sqlite():
        BankReceipt.select(BankReceipt.id).where(BankReceipt.id == receipt.id).for_update().execute()
    return BankReceipt.get_by_id(receipt.id)


def unmatched():
    """Return the receipts not matched in full, oldest first."""
    return (BankReceipt.select().where(BankReceipt.status != 'matched')
            .order_by(BankReceipt.received_on, BankReceipt.id))
