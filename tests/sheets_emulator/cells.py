"""Store, parse and render cell values like Google Sheets (RAW, USER_ENTERED, render options)."""
import ast
import datetime as dt
import operator
import re

EPOCH = dt.date(1899, 12, 30)
SKIP = object()
_NUMBER = re.compile(r'^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$')
_GROUPED = re.compile(r'^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$')
_ISO_DATE = re.compile(r'^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$')
_US_DATE = re.compile(r'^(\d{1,2})/(\d{1,2})/(\d{4})$')
_HYPERLINK = re.compile(r'^HYPERLINK\(\s*"((?:[^"]|"")*)"\s*(?:[,;]\s*"((?:[^"]|"")*)"\s*)?\)$', re.I)
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow}

# A cell is None (empty) or a tuple: ('s', text), ('n', number), ('b', bool),
# ('d', serial, text as typed), ('e', error text), ('f', formula, computed cell);
# a number typed with a format ('1,234', '13%') keeps its display text as a third item.


def raw(value):
    """Store a JSON value written with valueInputOption=RAW."""
    if value is None:
        return SKIP
    if isinstance(value, bool):
        return ('b', value)
    if isinstance(value, (int, float)):
        return ('n', value)
    if isinstance(value, str):
        return ('s', value) if value != '' else None
    raise ValueError(value)


def user_entered(value):
    """Store a JSON value written with valueInputOption=USER_ENTERED, parsing text as Google does."""
    if not isinstance(value, str):
        return raw(value)
    text = value.strip()
    if value == '':
        return None
    if value.startswith("'"):
        return ('s', value[1:]) if len(value) > 1 else None
    if value.startswith('=') and len(value) > 1:
        return ('f', value, evaluate(value[1:]))
    if _NUMBER.match(text):
        return ('n', _num(float(text)))
    if _GROUPED.match(text):
        return ('n', _num(float(text.replace(',', ''))), text)
    if text.endswith('%') and _NUMBER.match(text[:-1]):
        return ('n', float(text[:-1]) / 100, text)
    if text.upper() in ('TRUE', 'FALSE'):
        return ('b', text.upper() == 'TRUE')
    serial = _date_serial(text)
    if serial is not None:
        return ('d', serial, value)
    return ('s', value)


def _num(x):
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def _date_serial(text):
    m = _ISO_DATE.match(text)
    try:
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            day = (dt.date(y, mo, d) - EPOCH).days
            if m.group(4):
                secs = int(m.group(4)) * 3600 + int(m.group(5)) * 60 + int(m.group(6) or 0)
                return day + secs / 86400
            return day
        m = _US_DATE.match(text)
        if m:
            return (dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2))) - EPOCH).days
    except ValueError:
        return None
    return None


def evaluate(expr):
    """Compute a formula: arithmetic and HYPERLINK; anything else is #NAME? (not emulated)."""
    expr = expr.strip()
    m = _HYPERLINK.match(expr)
    if m:
        return ('s', (m.group(2) if m.group(2) is not None else m.group(1)).replace('""', '"'))
    try:
        return ('n', _num(_arith(ast.parse(expr.replace('^', '**'), mode='eval').body)))
    except ZeroDivisionError:
        return ('e', '#DIV/0!')
    except (SyntaxError, ValueError, TypeError):
        return ('e', '#NAME?')


def _arith(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _arith(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    raise ValueError('not arithmetic')


def format_number(x):
    """Format a number in Google's default 'General' style."""
    if isinstance(x, bool):
        return 'TRUE' if x else 'FALSE'
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f'{x:.15g}'
    if 'e' in text:
        mantissa, exp = text.split('e')
        return f'{mantissa}E{int(exp):+d}'
    return text


def render(cell, value_option='FORMATTED_VALUE', date_option='SERIAL_NUMBER'):
    """Render a stored cell for a values response."""
    if cell is None:
        return ''
    kind = cell[0]
    if kind == 'f':
        if value_option == 'FORMULA':
            return cell[1]
        return render(cell[2], value_option, date_option)
    formatted = value_option == 'FORMATTED_VALUE'
    if kind == 's' or kind == 'e':
        return cell[1]
    if kind == 'n':
        if formatted:
            return cell[2] if len(cell) > 2 else format_number(cell[1])
        return _num(cell[1])
    if kind == 'b':
        return format_number(cell[1]) if formatted else cell[1]
    if kind == 'd':
        if formatted or date_option == 'FORMATTED_STRING':
            return cell[2]
        return cell[1]
    raise ValueError(kind)


def extended_value(cell):
    """Return the ExtendedValue JSON of a cell (userEnteredValue / effectiveValue)."""
    kind = cell[0]
    if kind == 's':
        return {'stringValue': cell[1]}
    if kind in ('n', 'd'):
        return {'numberValue': cell[1]}
    if kind == 'b':
        return {'boolValue': cell[1]}
    if kind == 'e':
        return {'errorValue': {'type': 'ERROR', 'message': cell[1]}}
    return {'formulaValue': cell[1]}


def from_extended(value):
    """Store a cell from an ExtendedValue (updateCells requests)."""
    if 'stringValue' in value:
        return raw(value['stringValue'])
    if 'numberValue' in value:
        return ('n', value['numberValue'])
    if 'boolValue' in value:
        return ('b', value['boolValue'])
    if 'formulaValue' in value:
        return user_entered(value['formulaValue'])
    raise ValueError(value)
