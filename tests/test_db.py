"""The base model: codes, optimistic locking, refused deletes, connection settings."""
import pytest

from ltc import db as db_module
from ltc.errors import ConflictError, DeleteRefused, DuplicateCodeError
from ltc.models import AuditLog, Contact, Customer, Lead
from ltc.services import audit

from .factories import (make_contact, make_contract, make_contract_line, make_customer, make_lead,
                        make_opportunity)


def test_codes_are_generated_unique_and_readable(db):
    leads = [make_lead() for _ in range(3)]
    codes = [lead.code for lead in leads]
    assert len(set(codes)) == 3
    assert all(c.startswith('L') and c[1:].isdigit() for c in codes)


def test_duplicate_code_is_refused_with_a_clear_message(db):
    first = make_customer(code='C-ACME')
    with pytest.raises(DuplicateCodeError, match='C-ACME is already used'):
        make_customer(code='C-ACME')
    assert Customer.select().where(Customer.code == 'C-ACME').count() == 1
    other = make_customer()
    other.code = first.code
    with pytest.raises(DuplicateCodeError):
        audit.save(other)
    assert Customer.get_by_id(other.id).code != first.code


def test_stale_version_raises_conflict_and_changes_nothing(db):
    lead = make_lead(company='原名')
    mine = Lead.get_by_id(lead.id)
    theirs = Lead.get_by_id(lead.id)
    theirs.company = '他们改的'
    audit.save(theirs)
    mine.company = '我改的'
    audit_rows = AuditLog.select().count()
    with pytest.raises(ConflictError, match='changed since you opened it') as info:
        audit.save(mine)
    assert info.value.current == {'company': '他们改的'}
    assert info.value.attempted == {'company': '我改的'}
    fresh = Lead.get_by_id(lead.id)
    assert fresh.company == '他们改的' and fresh.version == 2
    assert AuditLog.select().count() == audit_rows


def test_update_bumps_version(db):
    lead = make_lead()
    assert lead.version == 1
    lead.company = 'x'
    audit.save(lead)
    assert lead.version == 2 and Lead.get_by_id(lead.id).version == 2


def test_delete_refused_names_dependents(db):
    customer = make_customer()
    make_contact(customer=customer)
    make_contact(customer=customer)
    make_opportunity(customer=customer)
    with pytest.raises(DeleteRefused) as info:
        audit.delete(customer)
    message = str(info.value)
    assert '2 contacts' in message and '1 opportunity' in message
    assert Customer.get_or_none(Customer.id == customer.id) is not None
    assert Contact.select().where(Contact.customer == customer).count() == 2


def test_delete_removes_own_lines_and_audits_each(db):
    line = make_contract_line()
    contract = line.contract
    audit.delete(contract)
    deleted = {(r.entity, r.action) for r in AuditLog.select().where(AuditLog.action == 'delete')}
    assert deleted == {('Contract', 'delete'), ('ContractLine', 'delete')}


def test_database_refuses_orphans_even_without_the_helper(db):
    contact = make_contact()
    with pytest.raises(Exception):
        with db.atomic():
            Customer.delete().where(Customer.id == contact.customer_id).execute()
    assert Customer.get_or_none(Customer.id == contact.customer_id) is not None


def test_sqlite_connection_settings(tmp_path):
    database = db_module.make_database(f'sqlite:///{tmp_path}/x.db')
    with database.connection_context():
        assert database.execute_sql('PRAGMA journal_mode').fetchone()[0] == 'wal'
        assert database.execute_sql('PRAGMA foreign_keys').fetchone()[0] == 1
        assert database.execute_sql('PRAGMA busy_timeout').fetchone()[0] >= 5000
    assert database._lock_type == 'IMMEDIATE'


def test_postgres_url_is_pooled():
    from playhouse.pool import PooledPostgresqlDatabase
    database = db_module.make_database('postgresql://postgres@127.0.0.1:5432/ltc')
    assert isinstance(database, PooledPostgresqlDatabase)


@pytest.mark.parametrize('url', ['mysql://x/y', 'sqlite://', 'sqlite:///:memory:'])
def test_unsupported_urls_are_refused_clearly(url):
    from ltc.errors import ConfigError
    with pytest.raises(ConfigError, match='LTC_DATABASE_URL'):
        db_module.make_database(url)


def test_contract_code_can_be_the_customers_own_number(db):
    contract = make_contract(code='2026-SH-0042')
    assert contract.code == '2026-SH-0042'


def test_a_value_longer_than_its_column_is_refused_never_cut(db):
    """PostgreSQL limits text columns: the single save refuses in both languages, and the batched
    update refuses too (no cast that cuts the text to the column's length). SQLite keeps it whole."""
    from peewee import DataError
    from ltc.errors import ValidationError
    lead = make_lead(company='Long')
    long_domain = 'x' * 150   # email_domain holds 120
    if not db_module.is_sqlite():
        lead.email_domain = long_domain
        with pytest.raises(ValidationError) as refused:
            lead.save()
        assert 'longer than' in str(refused.value) and '长度' in refused.value.details['zh']
        with pytest.raises(DataError):
            with db_module.database.atomic():
                db_module.update_versioned(Lead, [Lead.email_domain], [(lead.id, 1, [long_domain])],
                                           db_module.utcnow())
        assert Lead.get_by_id(lead.id).email_domain != long_domain[:120]   # nothing cut and stored
    else:
        assert db_module.update_versioned(Lead, [Lead.email_domain], [(lead.id, 1, [long_domain])],
                                          db_module.utcnow()) == {lead.id}
        assert Lead.get_by_id(lead.id).email_domain == long_domain


def test_bulk_inserts_keep_every_value_as_given(db):
    """New rows written in bulk (COPY on PostgreSQL) and bulk audit rows read back as given: tabs, new lines,
    backslashes, a literal \\N, quotes, an empty text apart from no value, amounts, dates, custom values."""
    import datetime
    import json
    from decimal import Decimal
    from ltc.sync.writes.bulk import insert_rows
    awkward = 'tab\there\nnew line\\back slash\rreturn \\N "quoted" \'single\' 中文'
    now = db_module.utcnow()
    defaults = {f.name: f.default for f in Lead._meta.sorted_fields
                if f.default is not None and not callable(f.default)}
    given = [{**defaults, 'code': 'L-BULK1', 'company': awkward, 'requirement': '', 'budget': Decimal('12000.50'),
              'next_contact_on': datetime.date(2026, 1, 5), 'custom': {'note': awkward}, 'created_at': now,
              'updated_at': now, 'version': 1},
             {**defaults, 'code': 'L-BULK2', 'company': '普通公司', 'requirement': None, 'budget': Decimal('0'),
              'next_contact_on': None, 'custom': None, 'created_at': now, 'updated_at': now, 'version': 1}]
    insert_rows(Lead, list(given[0]), [tuple(row.values()) for row in given])
    for row in given:
        lead = Lead.get(Lead.code == row['code'])
        assert (lead.company, lead.requirement, lead.budget, lead.next_contact_on, lead.custom, lead.created_at) == \
            (row['company'], row['requirement'], row['budget'], row['next_contact_on'], row['custom'], now)
    audit.record_many([('Lead', 'L-BULK1', 'create', {'company': [None, awkward]}), ('Lead', None, 'note', {})])
    written = list(AuditLog.select().order_by(AuditLog.id.desc()).limit(2))
    assert [(a.entity_code, json.loads(a.changes)) for a in reversed(written)] == \
        [('L-BULK1', {'company': [None, awkward]}), ('', {})]


def test_bulk_reads_give_what_peewee_gives(db):
    """`one_of` (an IN list bound as plain parameters, composed with other conditions) finds the rows peewee's
    `in_` finds, and `select_in`, converting only what the driver does not give as stored, reads them as
    `.dicts()` does: the same values of the same types (ids and references as int, amounts as Decimal)."""
    from decimal import Decimal
    leads = [make_lead(company=f'读取公司{n}', budget=Decimal(f'{n}000.50')) for n in range(5)]
    codes = [lead.code for lead in leads[:3]] + ['L-NONE']
    assert sorted(Lead.select(Lead.code).where(db_module.one_of(Lead.code, codes)).tuples()) == \
        sorted(Lead.select(Lead.code).where(Lead.code.in_(codes)).tuples())
    assert [c for (c,) in Lead.select(Lead.code).where(
        db_module.one_of(Lead.code, codes) & (Lead.id != leads[0].id)).order_by(Lead.id).tuples()] == \
        [leads[1].code, leads[2].code]
    assert not Lead.select().where(db_module.one_of(Lead.code, [])).exists()
    ids = [lead.id for lead in leads]
    expected = {row['id']: row for row in Lead.select().where(Lead.id.in_(ids)).dicts()}
    found = {row['id']: row for row in db_module.select_in(Lead, Lead.id, ids)}
    assert found == expected
    for row in found.values():
        assert {name: type(value) for name, value in row.items()} == \
            {name: type(value) for name, value in expected[row['id']].items()}
    assert db_module.as_read(Lead.code) and db_module.as_read(Lead.owner) and not db_module.as_read(Lead.budget)
