"""The floors of ltc/: no module imports a floor above its own, and no modules or sibling packages import each other.

Every import counts, also one inside a function: deferring an import hides a dependency from
Python's import order, not from the reader. A new module under ltc/ needs its floor in FLOORS.
"""
import ast
from pathlib import Path

import ltc

ROOT = Path(ltc.__file__).resolve().parent

# Lowest first; a module belongs to the longest prefix that names it ('ltc' alone is ltc/__init__.py).
FLOORS = (
    ('base', ('ltc.config', 'ltc.db', 'ltc.errors', 'ltc.logs', 'ltc.migrate', 'ltc.backup',
              'ltc.search', 'ltc.searchkeys')),
    ('models', ('ltc.models',)),
    ('services', ('ltc.services',)),
    ('sync and demo', ('ltc.sync', 'ltc.demo')),
    ('doors', ('ltc', 'ltc.admin', 'ltc.api', 'ltc.cli', 'ltc.web', 'ltc.intake', 'ltc.health', 'ltc.jobs', 'ltc.runner')),
)

# Imports allowed to close a circle, each with its reason.
CIRCLE_EXEMPT = {
    ('ltc.jobs', 'ltc'): 'the job consumer\'s entry points (`python -m ltc.jobs`, `huey_consumer ltc.jobs.huey`) '
                         'build the app with create_app, and the app registers the CLI, whose `jobs` commands '
                         'use this module',
}


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def modules():
    """Return {module name: (path, is package)} of every module under ltc/."""
    return {module_name(p): (p, p.name == '__init__.py') for p in sorted(ROOT.rglob('*.py'))}


def imports(name, path, is_package, known):
    """Return the ltc modules NAME imports anywhere in its source, each once."""
    found = set()
    package = name.split('.') if is_package else name.split('.')[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                base = '.'.join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            targets = [f'{base}.{a.name}' if f'{base}.{a.name}' in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target not in known and '.' in target:
                target = target.rsplit('.', 1)[0]
            if target in known and target != name:
                found.add(target)
    return found


def graph():
    known = modules()
    return {name: imports(name, path, is_package, known) for name, (path, is_package) in known.items()}


def floor(name):
    best = None
    for level, (_label, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + '.')) and (best is None or len(prefix) > len(best[1])):
                best = (level, prefix)
    return None if best is None else best[0]


def circles(edges):
    """Return the strongly connected components of EDGES ({node: targets}) with more than one node."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_floor():
    assert [name for name in modules() if floor(name) is None] == []


def test_no_import_goes_up_a_floor():
    up = [f'{name} ({FLOORS[floor(name)][0]}) imports {target} ({FLOORS[floor(target)][0]})'
          for name, targets in graph().items() for target in sorted(targets) if floor(target) > floor(name)]
    assert up == []


def test_no_import_circle_between_modules():
    edges = {name: {t for t in targets if (name, t) not in CIRCLE_EXEMPT} for name, targets in graph().items()}
    assert circles(edges) == []


def test_no_import_circle_between_sibling_packages():
    """Subpackages of one package (ltc.sync.formats, ltc.sync.engine ...; ltc.services, ltc.sync ...) form no circle."""
    known = modules()
    packages = {name for name, (_path, is_package) in known.items() if is_package}

    def package_of(name):
        return name if name in packages else name.rsplit('.', 1)[0]

    edges = {}
    for name, targets in graph().items():
        for target in targets:
            if (name, target) in CIRCLE_EXEMPT:
                continue
            a, b = package_of(name).split('.'), package_of(target).split('.')
            common = 0
            while common < min(len(a), len(b)) and a[common] == b[common]:
                common += 1
            if common < len(a) and common < len(b):   # two different children of the package they share
                edges.setdefault('.'.join(a[:common + 1]), set()).add('.'.join(b[:common + 1]))
    assert circles(edges) == []


def test_the_exemptions_are_still_needed():
    edges = graph()
    assert [edge for edge in CIRCLE_EXEMPT if edge[1] not in edges.get(edge[0], ())] == []


def test_every_package_says_what_lives_there_and_who_may_import_it():
    missing = [name for name, (path, is_package) in modules().items()
               if is_package and not (ast.get_docstring(ast.parse(path.read_text(encoding='utf-8'))) or '').strip()]
    assert missing == []


def test_the_check_sees_an_upward_import_a_deferred_one_and_a_circle(tmp_path):
    source = tmp_path / 'x.py'
    source.write_text('def f():\n    from ..sync.engine import twoway\n', encoding='utf-8')
    known = {'ltc.services.x': None, 'ltc.sync.engine': None, 'ltc.sync.engine.twoway': None}
    assert imports('ltc.services.x', source, False, known) == {'ltc.sync.engine.twoway'}
    assert floor('ltc.sync.engine.twoway') > floor('ltc.services.x')
    assert circles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]
