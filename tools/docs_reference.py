"""Reference pages generated from the code, so they cannot drift from it.

Used as an MkDocs hook (`hooks:` in mkdocs.yml): before each build it writes, in English and
Simplified Chinese,

- docs/reference/cli.md       every `flask ltc …` command with its --help, from click;
- docs/reference/settings.md  every LTC_ environment variable, from `ltc.config.SETTINGS`;
- docs/reference/rules.md     who may change what, from the gate's rule table (`ltc rules`).

The files are not committed (.gitignore); a file is rewritten only when its text changed, so
`mkdocs serve` does not rebuild in a loop. `python tools/docs_reference.py` writes them too.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'docs' / 'reference'

WORDS = {
    'en': {
        'cli_title': 'Command line',
        'cli_intro': 'Every command runs as `flask --app app ltc …` inside the virtualenv (`.venv/bin/flask`). '
                     'This page is generated from the commands\' own `--help`; run any of them with `--help` '
                     'to see the same text. What each command is for, with examples, is in the guides '
                     '([Operations](../operations.md#command-line), [Spreadsheets](../spreadsheets.md), '
                     '[Leads](../leads.md), [Quote to cash](../cash.md)).',
        'settings_title': 'Settings',
        'settings_intro': 'Every setting is an environment variable with a safe default; the table is generated '
                          'from `ltc/config.py`. Business settings (the pool\'s rules, reminder days, …) live in the '
                          'Settings screen of the admin instead. How to set them in production: '
                          '[Operations](../operations.md#production).',
        'settings_head': '| variable | default | meaning |',
        'rules_title': 'Who may change what',
        'rules_intro': 'Generated from the gate\'s rule table (`ltc/services/gate.py`), the same table '
                       '`flask --app app ltc rules` prints and every door — admin form, action, import, sheet '
                       'sync, CLI, job — asks. C = create, U = update, D = delete. "Set by the rules" fields '
                       'are never written by a form, import or sheet; "requests a command" fields change only '
                       'through their rule (a stage move, an assignment, a claim …). How the gate works: '
                       '[The gate](../developer/gate.md).',
    },
    'zh': {
        'cli_title': '命令行',
        'cli_intro': '所有命令都以 `flask --app app ltc …` 的形式在虚拟环境中运行（`.venv/bin/flask`）。'
                     '本页由各命令自己的 `--help` 生成（帮助文字为英文）；给任何命令加上 `--help` 即可看到同样的内容。'
                     '各命令的用途和示例见指南（[运维](../operations.md#command-line)、[电子表格](../spreadsheets.md)、'
                     '[线索](../leads.md)、[报价到回款](../cash.md)）。',
        'settings_title': '配置项',
        'settings_intro': '所有配置都是带安全默认值的环境变量；下表由 `ltc/config.py` 生成。'
                          '业务设置（公海规则、提醒天数等）则在后台的“设置”页面中修改。'
                          '生产环境中如何设置：[运维](../operations.md#production)。',
        'settings_head': '| 变量 | 默认值 | 含义 |',
        'rules_title': '谁可以修改什么',
        'rules_intro': '由关口的规则表（`ltc/services/gate.py`）生成，与 `flask --app app ltc rules` 打印的是同一张表，'
                       '每一个入口（后台表单、操作、导入、表格同步、命令行、定时任务）都要经过它。'
                       'C = 新建，U = 修改，D = 删除。“由规则设置”的字段从不由表单、导入或表格写入；'
                       '“需要命令”的字段只能通过相应的规则修改（阶段推进、分配、认领等）。'
                       '关口的工作方式见 [关口（命令层）](../developer/gate.md)。',
    },
}


def _walk(command, path):
    """Yield (path, command) for COMMAND and every subcommand, depth first, sorted by name."""
    import click
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _walk(command.commands[name], path + [name])


def cli_page(lang):
    import click
    from ltc.cli.main import ltc
    words = WORDS[lang]
    out = [f'# {words["cli_title"]}', '', words['cli_intro'], '']
    for path, command in _walk(ltc, ['ltc']):
        if getattr(command, 'hidden', False):
            continue
        name = 'flask ' + ' '.join(path)
        ctx = click.Context(command, info_name=name, terminal_width=100, max_content_width=100)
        text = command.get_help(ctx).replace('\b\n', '')
        level = '#' * min(len(path) + 1, 4)
        out += [f'{level} `{" ".join(path)}`', '', '```text', text.rstrip(), '```', '']
    return '\n'.join(out)


def settings_page(lang):
    from ltc.config import SETTINGS
    words = WORDS[lang]
    out = [f'# {words["settings_title"]}', '', words['settings_intro'], '', words['settings_head'], '|---|---|---|']
    for name, default, english, chinese in SETTINGS:
        meaning = english if lang == 'en' else chinese
        out.append(f'| `{name}` | `{default}` | {meaning} |')
    return '\n'.join(out) + '\n'


def rules_page(lang):
    from ltc.services.gate import rules_table
    words = WORDS[lang]
    return '\n'.join([f'# {words["rules_title"]}', '', words['rules_intro'], '', rules_table(lang), ''])


def pages():
    """Return {relative path: text} of every generated page."""
    if str(ROOT) not in sys.path:   # (MkDocs puts sys.path back after loading a hook)
        sys.path.insert(0, str(ROOT))
    out = {}
    for lang in ('en', 'zh'):
        suffix = '' if lang == 'en' else '.zh'
        out[f'cli{suffix}.md'] = cli_page(lang)
        out[f'settings{suffix}.md'] = settings_page(lang)
        out[f'rules{suffix}.md'] = rules_page(lang)
    return out


def write(folder=OUT):
    """Write the pages into FOLDER, touching only those whose text changed; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding='utf-8') != text:
            path.write_text(text, encoding='utf-8')
        written.append(path)
    return written


def on_pre_build(config, **kwargs):
    """MkDocs hook: the pages exist before MkDocs collects the files."""
    write(Path(config['docs_dir']) / 'reference')


if __name__ == '__main__':
    for path in write():
        print(path.relative_to(ROOT))
