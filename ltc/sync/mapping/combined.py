"""Columns of a file read together: several that make one field (`Join`), one that fills several (`Split`).

Other systems' exports write a person's name as `First Name` + `Last Name` (姓 + 名), a region as
one cell `江苏省,南京市,玄武区`, a deal's outcome in a `Status` column beside its `Stage`. A mapping
declares these once (`Mapping.joins`, `Mapping.splits`); header matching (`Mapping.resolve`) finds
them where no column names the field itself, the plan shows them, and the reader hands the importer
one `Combined` per group, which turns a row's cells into the fields' texts for their codecs.
"""
import re
import unicodedata
from dataclasses import dataclass

# Han, kana and hangul: a name written in them puts the family name first, without a space.
CJK = re.compile(r'[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]')
REGION_SEPARATORS = re.compile(r'\s*[,，、/／|｜;；>＞]\s*')
COUNTRY = {'中国', '中华人民共和国', '中国大陆', 'china', 'cn', 'prc'}


@dataclass(frozen=True)
class Join:
    """Several columns that make one field together: `First Name` + `Last Name` are a contact's name.

    PARTS are (part, header names) in the order a plan lists them; OWN names the part that is the
    field's own column (matched by the field's names), which the other parts change (Pipedrive's
    `Status` decides the `Stage` of a won or lost deal): such a join needs that column. ALONE: the
    parts read as the whole field when a file has no other part (`Last Name` only). COMBINE turns
    {part: text} into the field's text; EN and ZH say how, in the plan.
    """
    attr: str
    parts: tuple
    combine: object
    own: str = ''
    alone: tuple = ()
    en: str = ''
    zh: str = ''

    def describe(self, lang):
        return self.zh if lang.startswith('zh') else self.en


@dataclass(frozen=True)
class Split:
    """One column whose cells hold several fields: 区域 `江苏省,南京市,玄武区` is a province and a city.

    KEY names the split where a field would be named (`--map "区域=region"`, the import screen's
    choice); its parts fill ATTRS in order, each only where no other column fills that field; parts
    after the last are not kept (the plan says so). SPLIT turns a cell's text into its parts.
    """
    key: str
    names: tuple
    attrs: tuple
    split: object
    en: str = ''
    zh: str = ''

    def describe(self, lang):
        return self.zh if lang.startswith('zh') else self.en

    def label(self, columns, lang='zh'):
        """Return how a plan or a field choice names the split: `Province + City (region)`."""
        names = ' + '.join(c.header(lang) for c in columns)
        return f'{names} ({self.key})'


def join_name(parts):
    """Return a person's name from its parts: `Wei` + `Zhang` -> `Wei Zhang`; 磊 + 王 -> `王磊` (a name in
    Chinese, Japanese or Korean characters: family name first, no space)."""
    given, middle, family = (parts.get(p) or '' for p in ('given', 'middle', 'family'))
    filled = [t for t in (family, given, middle) if t]
    if filled and all(CJK.search(t) for t in filled):
        return ''.join(filled)
    return ' '.join(t for t in (given, middle, family) if t)


def _key(text):
    return re.sub(r'[\s_\-–—/]+', ' ', unicodedata.normalize('NFKC', str(text or ''))).strip().lower()


def stage_or_outcome(names):
    """Return combine({'stage', 'status'}): the status when it is one of NAMES (a won or lost outcome, compared
    as stage names are), else the stage."""
    closed = frozenset(_key(n) for n in names)

    def combine(parts):
        status = parts.get('status') or ''
        return status if _key(status) in closed else parts.get('stage') or ''
    return combine


def split_region(text):
    """Return the parts of a region cell: `江苏省,南京市,玄武区`, `江苏省/南京市`, `江苏省 南京市` -> [江苏省, 南京市 ...];
    a leading country (中国, China) is dropped. Spaces separate only a region written in Chinese characters
    (`New South Wales` is one place)."""
    text = ' '.join(str(text or '').split())
    parts = [p for p in REGION_SEPARATORS.split(text) if p]
    if len(parts) == 1 and CJK.search(text):
        parts = text.split()
    if len(parts) > 1 and parts[0].lower() in COUNTRY:
        parts = parts[1:]
    return parts


@dataclass
class Combined:
    """One group of a file's columns read together, as the reader found it.

    POSITIONS are the file's columns (a join's in part order, a split's one column), PARTS their
    part names (a join), COLUMNS the mapping's Columns filled (one for a join; a split's in order),
    RULE the Join or Split, HEADER how messages name the group ("First Name + Last Name").
    """
    positions: tuple
    parts: tuple
    columns: tuple
    rule: object
    header: str

    @property
    def attrs(self):
        return tuple(c.attr for c in self.columns)

    def texts(self, cells, plain_text):
        """Return [(Column, text)] for a row's CELLS (PLAIN_TEXT renders a cell), and the parts a split drops."""
        width = len(cells)
        values = [plain_text(cells[p]).strip() if p < width else '' for p in self.positions]
        if isinstance(self.rule, Join):
            text = self.rule.combine(dict(zip(self.parts, values)))
            return [(self.columns[0], text)], []
        parts = self.rule.split(values[0]) if values[0] else []
        filled = {c.attr: c for c in self.columns}
        out = [(filled[attr], part) for attr, part in zip(self.rule.attrs, parts) if attr in filled]
        got = {c.attr for c, _ in out}
        out += [(c, '') for c in self.columns if c.attr not in got]   # a shorter cell leaves the rest blank
        return out, parts[len(self.rule.attrs):]


def resolve(mapping, found, keys, used):
    """Mark in FOUND (HeaderMatches, KEYS their (norm, bare) texts) the columns MAPPING reads together;
    USED ({attr: match}) gains the fields they fill.

    A join takes the first header of each part that nothing else took, and only where no column
    names its field (then its parts are a second column for the field: named, not imported); one
    part alone is the whole field when the join allows it. A join with an own part (the stage a
    status decides) needs the field's own column. A split fills the fields no column fills.
    """
    def named(names):
        return next((m for m, (n, b) in zip(found, keys)
                     if m.column is None and m.how == 'unknown' and (n in names or b in names)), None)
    for join, parts in mapping.join_names:
        column = mapping.by_attr[join.attr]
        whole = used.get(join.attr)
        members = [(whole, part) if part == join.own else (named(names), part) for part, names in parts
                   if part != join.own or whole is not None]
        members = [(m, part) for m, part in members if m is not None]
        others = [(m, part) for m, part in members if part != join.own]
        if not others or (join.own and whole is None):
            continue
        if not join.own and whole is not None:   # the field is read whole from another column
            for m, _part in others:
                m.how, m.candidates = 'repeat', ((column, 1.0),)
            continue
        if not join.own and len(others) == 1:
            m, part = others[0]
            if part in join.alone:
                m.column, m.how, m.confidence = column, 'exact', 1.0
                used[join.attr] = m
            continue
        for m, part in members:
            m.column, m.how, m.confidence, m.rule, m.part = column, 'joined', 1.0, join, part
        used[join.attr] = members[0][0]
    for split, names in mapping.split_names:
        m = named(names)
        if m is None:
            continue
        free = tuple(mapping.by_attr[a] for a in split.attrs if a not in used)
        if not free:
            m.how, m.candidates = 'repeat', ((mapping.by_attr[split.attrs[0]], 1.0),)
            continue
        m.column, m.how, m.confidence, m.rule, m.fills = free[0], 'split', 1.0, split, free
        for c in free:
            used[c.attr] = m


def _reset(match, column=None, how='unknown'):
    match.column, match.how, match.confidence = column, how, 1.0 if column is not None else 0.0
    match.rule, match.part, match.fills, match.candidates = None, '', (), ()


def _settle(join, members):
    """Make MEMBERS (matches of JOIN's parts) a join again, or read the one left alone, or nothing."""
    own = [m for m in members if join.own and m.part == join.own]
    if len(members) >= 2 and (own or not join.own):
        for m in members:
            m.how, m.rule = 'joined', join
        return
    for m in members:
        alone = m.part == join.own if join.own else m.part in join.alone
        _reset(m, m.column if alone else None, 'exact' if alone else 'unknown')


def _reads(match, column):
    return any(c is column for c in match.fills) if match.how == 'split' else match.column is column


def override(mapping, matches, match, attr):
    """Send the column of MATCH (one of MATCHES) to ATTR (a field, a split's key, or None: not imported), as --map
    and the import screen ask, keeping the groups true: asking a grouped column for what its group gives keeps
    the group; a name part sent to a field whose other parts are in the file joins them."""
    header = match.header
    if match.how == 'joined' and attr == match.rule.attr or match.how == 'split' and attr == match.rule.key:
        return
    if match.how == 'joined':
        rest = [m for m in matches if m is not match and m.how == 'joined' and m.rule is match.rule]
        join = match.rule
        _reset(match)
        _settle(join, rest)
    _reset(match, None, 'override')
    if not attr:
        return
    split = mapping.by_split.get(attr)
    if split is not None:
        plain = {m.column.attr for m in matches if m is not match and m.column is not None and m.how != 'split'}
        free = tuple(mapping.by_attr[a] for a in split.attrs if a not in plain)
        for m in matches:   # another split gives up the fields this one is asked for
            if m is not match and m.how == 'split':
                m.fills = tuple(c for c in m.fills if all(c is not f for f in free))
                if m.fills:
                    m.column = m.fills[0]
                else:
                    _reset(m)
        if free:
            match.column, match.how, match.rule, match.fills, match.confidence = free[0], 'split', split, free, 1.0
        else:
            match.how, match.candidates = 'repeat', ((mapping.by_attr[split.attrs[0]], 1.0),)
        return
    column = mapping.by_attr[attr]
    others = [m for m in matches if m is not match and _reads(m, column)]
    join, part = mapping.by_join.get(attr), mapping.part_of(attr, header)
    if part is not None and others and all(m.how == 'joined' or mapping.part_of(attr, m.header) for m in others):
        members = {}
        for m in others:
            theirs = m.part if m.how == 'joined' else mapping.part_of(attr, m.header)
            if theirs == part:
                _reset(m)   # the same part twice: the one asked for wins
            else:
                members[theirs] = m
        members[part] = match
        for theirs, m in members.items():
            m.column, m.part, m.confidence = column, theirs, 1.0
        _settle(join, list(members.values()))
        if match.how == 'exact':
            match.how = 'override'
        return
    for m in others:   # another column for the field is left out (a join's every part with it)
        if m.how == 'split':
            m.fills = tuple(c for c in m.fills if c is not column)
            if m.fills:
                m.column = m.fills[0]
            else:
                _reset(m)
        elif m.how == 'joined':
            for member in [o for o in matches if o.how == 'joined' and o.rule is m.rule]:
                _reset(member)
        else:
            _reset(m)
    match.column, match.confidence = column, 1.0


def groups(matches, headers):
    """Return the Combined groups MATCHES read: one per join, one per split column."""
    joins, out = {}, []
    for m in matches:
        if m.how == 'joined':
            joins.setdefault(id(m.rule), []).append(m)
        elif m.how == 'split':
            out.append(Combined((m.position,), (), m.fills, m.rule, headers[m.position]))
    for members in joins.values():
        rule = members[0].rule
        order = [part for part, _names in rule.parts]
        members.sort(key=lambda m: order.index(m.part))
        out.append(Combined(tuple(m.position for m in members), tuple(m.part for m in members),
                            (members[0].column,), rule, ' + '.join(headers[m.position] for m in members)))
    return sorted(out, key=lambda c: c.positions[0])
