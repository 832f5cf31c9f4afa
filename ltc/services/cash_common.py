"""Helpers shared by the quote-to-cash services: settings, money, lookups and status checks."""
import datetime
from decimal import ROUND_HALF_UP, Decimal

from ..errors import NotFound
from ..models import Contract, Setting, User
from ..models.choices import CONTRACT_STATUSES, INVOICE_STATUSES, PLAN_STATUSES, QUOTE_STATUSES, TASK_STATUSES
from .messages import invalid, refusal

CENT = Decimal('0.01')
# Chinese names of the records (model .label) and of the actions require_status refuses.
LABELS_ZH = {
    'follow-up': '跟进记录', 'care task': '关怀任务', 'document': '文档', 'reminder': '提醒',
    'product category': '产品类别', 'product': '产品', 'product plan': '产品计划', 'contract': '合同',
    'contract line': '合同明细', 'contract approval': '合同审批', 'quote approval': '报价审批', 'approval rule': '审批规则', 'delivery milestone': '交付里程碑',
    'public pool': '公海', 'customer': '客户', 'contact': '联系人', 'campaign': '市场活动', 'lead': '线索',
    'grading rule': '评级规则', 'assignment rule': '分配规则', 'stage': '阶段', 'opportunity': '商机',
    'stage change': '阶段变更', 'opportunity product': '商机产品', 'decision role': '决策角色',
    'decision-chain contact': '决策链联系人', 'department': '部门', 'role': '角色', 'user': '用户',
    'target': '目标', 'setting': '设置', 'quote': '报价单', 'quote line': '报价明细', 'payment plan': '回款计划',
    'payment': '回款记录', 'invoice': '发票', 'bank receipt': '银行收款', 'receipt match': '收款匹配', 'dunning step': '催收记录', 'exchange rate': '汇率', 'sync target': '同步目标', 'sync run': '同步运行',
}
ACTIONS_ZH = {
    'changing its lines': '修改明细', 'sending it': '发送', 'rejecting it': '拒绝', 'editing it': '编辑',
    'changing its validity': '修改有效期', 'accepting it': '接受', 'submit': '提交审批', 'approve': '审批通过',
    'reject': '驳回', 'activate': '开始执行', 'complete': '完成', 'terminate': '终止', 'renew': '续签',
    'adding a milestone': '添加里程碑', 'adding or changing a milestone': '添加或修改里程碑',
    'accepting a delivery': '验收交付', 'issue': '开具', 'send': '寄送', 'reverse': '红冲',
}
STATUSES = {'quote': QUOTE_STATUSES, 'contract': CONTRACT_STATUSES, 'payment plan': PLAN_STATUSES,
            'care task': TASK_STATUSES, 'invoice': INVOICE_STATUSES}


def label_zh(model):
    """Return the Chinese name of MODEL's records."""
    return LABELS_ZH.get(model.label, model.label or model.__name__)


def status_zh(label, status):
    """Return the Chinese name of STATUS of a record labelled LABEL."""
    choices = STATUSES.get(label)
    return choices.label(status, 'zh') if choices else status


def money(value):
    """Return VALUE as a Decimal rounded half-up to cents; refuse what is not a number."""
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except Exception:
        raise invalid('{value!r} is not an amount; write a number such as 1234.50.',
                      '{value!r} 不是金额；请填写数字，例如 1234.50。', value=value) from None


def setting_int(code, default):
    """Return the admin-editable whole-number setting CODE, or DEFAULT when unset."""
    row = Setting.get_or_none(Setting.code == code)
    if row is None or not str(row.value).strip():
        return default
    try:
        return int(str(row.value).strip())
    except ValueError:
        raise invalid('Setting {code} must be a whole number, got {value!r}; correct it in the settings.',
                      '设置 {code} 必须是整数，当前为 {value!r}；请在设置中更正。',
                      code=code, value=row.value) from None


def get_by_code(model, code):
    """Return the MODEL row whose code is CODE, or raise NotFound."""
    if isinstance(code, model):
        return code
    row = model.get_or_none(model.code == str(code).strip())
    if row is None:
        raise refusal('There is no {label} with code {code}; check the code.',
                      '不存在编号为 {code} 的{label_zh}；请检查编号。', error_class=NotFound,
                      label=model.label or model.__name__, label_zh=label_zh(model), code=code)
    return row


def get_user(user):
    """Return the User for a User, username or code."""
    if user is None or isinstance(user, User):
        return user
    row = User.get_or_none((User.username == user) | (User.code == user))
    if row is None:
        raise refusal('There is no user {user!r}; check the username.', '不存在用户 {user!r}；请检查用户名。',
                      error_class=NotFound, user=user)
    return row


def require_status(record, allowed, action):
    """Refuse ACTION unless RECORD is in one of the ALLOWED statuses."""
    if record.status not in allowed:
        raise refusal(
            'Rule {rule}: {label} {code} is {status}; {action} needs it to be {allowed}.',
            '规则 {rule}：{label_zh} {code} 当前状态为「{status_zh}」；只有状态为{allowed_zh}时才能{action_zh}。',
            rule='status-flow', label=record.label, label_zh=label_zh(type(record)), code=record.code,
            status=record.status, status_zh=status_zh(record.label, record.status), action=action,
            action_zh=ACTIONS_ZH.get(action, action), allowed=' or '.join(allowed),
            allowed_zh='或'.join(f'「{status_zh(record.label, s)}」' for s in allowed))


def as_date(value, name='date', name_zh='日期'):
    """Return a date from a date or an ISO string; NAME (NAME_ZH in Chinese) says which date it is."""
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid('{name} {value!r} is not a date; write it as YYYY-MM-DD.',
                      '{name_zh} {value!r} 不是日期；请写成 YYYY-MM-DD 格式。', name=name, name_zh=name_zh,
                      value=value) from None


def today_or(today):
    return as_date(today) or datetime.date.today()


# Contracts in force, and how far ahead an ending one is announced: here, below contracts and
# reminders, which both use them.
LIVE = ('effective', 'executing')
EXPIRY_DAYS_SETTING = 'contracts.expiry_reminder_days'


def expiring(today=None, days=None):
    """Return live contracts ending within DAYS (setting contracts.expiry_reminder_days, 30)."""
    today = today_or(today)
    days = setting_int(EXPIRY_DAYS_SETTING, 30) if days is None else days
    return (Contract.select().where(Contract.status.in_(LIVE), Contract.end_on >= today,
                                    Contract.end_on <= today + datetime.timedelta(days=days))
            .order_by(Contract.end_on))
