"""Customer care: return visits, satisfaction, birthday and holiday tasks."""
import datetime

import pytest

from ltc.errors import RuleViolation, ValidationError
from ltc.models import CareTask, Setting
from ltc.services import audit, care
from tests.factories import make_contact, make_customer, make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date


def test_complete_needs_satisfaction_for_return_visits(db):
    contract = live_contract()
    task = care.schedule_return_visit(contract, after=D(2026, 4, 1))
    assert task.due_on == D(2026, 4, 8)
    assert care.schedule_return_visit(contract, after=D(2026, 4, 1)).id == task.id   # no duplicate
    with unchanged(CareTask), pytest.raises(ValidationError, match='satisfaction score'):
        care.complete_task(task)
    with unchanged(CareTask), pytest.raises(ValidationError, match='from 1 to 5'):
        care.complete_task(task, satisfaction=6)
    care.complete_task(task, satisfaction=4, notes='满意')
    assert care.satisfaction_average() == (4.0, 1)
    assert care.satisfaction_average(contract.customer) == (4.0, 1)
    with unchanged(CareTask), pytest.raises(RuleViolation, match='care-open'):
        care.complete_task(CareTask.get_by_id(task.id), satisfaction=5)


def test_cancel_needs_reason(db):
    task = care.schedule_return_visit(live_contract(), after=D(2026, 4, 1))
    with unchanged(CareTask), pytest.raises(ValidationError, match='needs a reason'):
        care.cancel_task(task, '')
    assert care.cancel_task(task, 'customer asked not to be called').status == 'cancelled'


def test_birthday_and_holiday_tasks_are_idempotent(db):
    owner = make_user()
    customer = make_customer(owner=owner, level='key')
    make_customer(owner=owner, level='general')   # no holiday task for general customers
    make_contact(customer=customer, name='王总', birthday=D(1975, 10, 3))
    make_contact(customer=customer, name='李工', birthday=D(1980, 12, 25))
    make_contact(customer=make_customer(), name='无主', birthday=D(1980, 10, 2))   # pool customer
    counts = care.generate_care_tasks(D(2026, 9, 28), days=7)
    assert counts == {'birthday': 1, 'holiday': 1}
    tasks = {(t.kind, t.due_on) for t in CareTask.select()}
    assert tasks == {('birthday', D(2026, 10, 3)), ('holiday', D(2026, 10, 1))}
    assert all(t.owner_id == owner.id for t in CareTask.select())
    assert care.generate_care_tasks(D(2026, 9, 29), days=7) == {'birthday': 0, 'holiday': 0}


def test_holidays_come_from_the_setting(db):
    audit.save(Setting(code='care.holidays', value='2027-02-06 春节/Spring Festival; 06-01 儿童节'))
    assert care.holidays() == [('2027-02-06', '春节/Spring Festival'), ('06-01', '儿童节')]
    make_customer(owner=make_user(), level='strategic')
    assert care.generate_care_tasks(D(2027, 2, 1), days=7) == {'birthday': 0, 'holiday': 1}
    assert CareTask.get().notes == '春节/Spring Festival'
