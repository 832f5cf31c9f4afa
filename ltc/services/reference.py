"""Reference data every installation needs: roles, default stages, decision roles, a pool."""
from decimal import Decimal

from ..db import database
from ..models import DecisionRole, PublicPool, Role, Stage
from ..models.choices import ROLES
from . import audit

ROLE_SCOPES = {'admin': 'all', 'manager': 'department_tree', 'sales': 'own',
               'ops': 'all', 'finance': 'all'}

STAGES = [
    # code, zh, en, sequence, probability %, won, lost, typical days, exit criteria
    ('ST-VALIDATE', '验证机会', 'Validate', 10, 10, False, False, 14,
     'Budget, need and timeline confirmed with the customer'),
    ('ST-ANALYSE', '需求分析', 'Analyse', 20, 25, False, False, 21,
     'Requirements documented; decision chain identified'),
    ('ST-PROPOSE', '方案报价', 'Propose', 30, 50, False, False, 30,
     'Solution presented and quote sent'),
    ('ST-NEGOTIATE', '谈判签约', 'Negotiate', 40, 75, False, False, 21,
     'Commercial terms agreed; contract in approval'),
    ('ST-WON', '赢单', 'Won', 50, 100, True, False, 0, 'Contract signed'),
    ('ST-LOST', '输单', 'Lost', 60, 0, False, True, 0, 'Lost reason recorded'),
]

DECISION_ROLES = [
    ('DR-DM', '决策者', 'Decision maker', True, 10),
    ('DR-TECH', '技术评估者', 'Technical evaluator', False, 20),
    ('DR-BIZ', '商务评估者', 'Business evaluator', False, 30),
    ('DR-INFL', '影响者', 'Influencer', False, 40),
    ('DR-USER', '使用者', 'User', False, 50),
    ('DR-COACH', '教练', 'Coach', False, 60),
]


def ensure_reference_data():
    """Create whatever reference rows are missing; never changes rows that exist."""
    created = 0
    with audit.acting_as('system', 'system'), database.atomic():
        for value in ROLES:
            if not Role.select().where(Role.name == value).exists():
                audit.save(Role(code=f'R-{value.upper()}', name=value, name_en=ROLES.label(value),
                                name_zh=ROLES.label(value, 'zh'), data_scope=ROLE_SCOPES[value]))
                created += 1
        for code, zh, en, seq, prob, won, lost, days, exit_criteria in STAGES:
            if Stage.by_code(code) is None:
                audit.save(Stage(code=code, name=zh, name_en=en, sequence=seq,
                                 probability=Decimal(prob), is_won=won, is_lost=lost,
                                 typical_days=days, exit_criteria=exit_criteria))
                created += 1
        for code, zh, en, is_dm, seq in DECISION_ROLES:
            if DecisionRole.by_code(code) is None:
                audit.save(DecisionRole(code=code, name=zh, name_en=en, is_decision_maker=is_dm,
                                        sequence=seq))
                created += 1
        if not PublicPool.select().exists():
            audit.save(PublicPool(code='PL-DEFAULT', name='公海', name_en='Public pool'))
            created += 1
    return created
