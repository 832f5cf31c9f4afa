"""The documentation site: pages in both languages, reference pages from the code, a strict build."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ltc.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / 'docs'
sys.path.insert(0, str(ROOT / 'tools'))
import docs_reference  # noqa: E402  (tools/ is not a package)

class _Loader(yaml.SafeLoader):
    """mkdocs.yml names a Python function in one tag; the test only reads the nav."""


_Loader.add_multi_constructor('tag:yaml.org,2002:python/name:', lambda loader, suffix, node: suffix)


def chinese_share(markdown):
    """Return the share of Chinese characters among the letters of MARKDOWN's prose (code left out)."""
    prose = re.sub(r'```.*?```|`[^`]*`|\([^()\n]*\)|\{#.*?\}', '', markdown, flags=re.S)
    han = len(re.findall(r'[\u4e00-\u9fff]', prose))
    latin = len(re.findall(r'[A-Za-z]', prose))
    return han / max(han + latin / 5, 1)   # a Chinese character carries about as much as a five-letter word


def nav_pages():
    config = yaml.load((ROOT / 'mkdocs.yml').read_text(encoding='utf-8'), Loader=_Loader)

    def walk(items):
        for item in items:
            for value in (item.values() if isinstance(item, dict) else [item]):
                if isinstance(value, list):
                    yield from walk(value)
                else:
                    yield value
    return list(walk(config['nav']))


def test_every_nav_page_exists_and_has_its_chinese_twin():
    generated = set(docs_reference.pages())
    for page in nav_pages():
        if page.startswith('reference/'):
            assert Path(page).name in generated, page
            continue
        assert (DOCS / page).is_file(), page
        twin = DOCS / page.replace('.md', '.zh.md')   # the Chinese site has no fallback to English
        assert twin.is_file(), f'{page} has no Chinese twin'
        assert chinese_share(twin.read_text(encoding='utf-8')) > 0.5, f'{twin.name} is not written in Chinese'


def test_every_setting_the_code_reads_is_in_the_settings_table():
    read = set()
    for path in (ROOT / 'ltc').rglob('*.py'):
        read |= set(re.findall(r'\bLTC_[A-Z0-9_]+\b', path.read_text(encoding='utf-8')))
    listed = {name for name, *_ in SETTINGS}
    assert read - listed == set(), 'settings read by the code but missing from ltc.config.SETTINGS'
    assert listed - read == set(), 'settings listed in ltc.config.SETTINGS that the code never reads'
    assert all(zh and en for _, _, en, zh in SETTINGS)


def test_reference_pages_come_from_the_code():
    pages = docs_reference.pages()
    assert '#### `ltc sync add`' in pages['cli.md'] and 'Usage: flask ltc sync add' in pages['cli.md']
    assert '| `LTC_DATABASE_URL` |' in pages['settings.md'] and '连接池' in pages['settings.zh.md']
    from ltc.services.gate import rules_table
    assert rules_table('en') in pages['rules.md'] and rules_table('zh') in pages['rules.zh.md']
    assert '| 对象 |' in pages['rules.zh.md']


def test_readme_is_short_and_names_the_two_commands_and_the_docs():
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    assert len(readme.splitlines()) < 200
    for words in ('make run', 'make test', 'make docs', 'docs/'):
        assert words in readme, words


@pytest.mark.skipif(not (Path(sys.executable).parent / 'mkdocs').exists(), reason='MkDocs is not installed')
def test_the_site_builds_strictly_in_both_languages(tmp_path):
    site = tmp_path / 'site'
    env = dict(os.environ, NO_MKDOCS_2_WARNING='1')
    result = subprocess.run([str(Path(sys.executable).parent / 'mkdocs'), 'build', '--strict', '--site-dir', str(site)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (site / 'index.html').is_file() and (site / 'zh' / 'index.html').is_file()
    assert '线索到回款' in (site / 'zh' / 'index.html').read_text(encoding='utf-8')
    assert 'Usage: flask ltc import' in (site / 'reference' / 'cli.html').read_text(encoding='utf-8')
    assert '谁可以修改什么' in (site / 'zh' / 'reference' / 'rules.html').read_text(encoding='utf-8')
