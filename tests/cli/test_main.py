"""`flask ltc user ...`: create users and reset passwords from prompts, stdin or generated."""
from werkzeug.security import check_password_hash

from ltc.models import AuditLog, User


def test_user_create_from_stdin_stores_a_hash(runner, db):
    result = runner.invoke(args=['ltc', 'user', 'create', 'li.lei', '--role', 'sales', '--password-stdin'],
                           input='correct horse battery\n')
    assert result.exit_code == 0, result.output
    user = User.get(User.username == 'li.lei')
    assert user.password_hash != 'correct horse battery'
    assert check_password_hash(user.password_hash, 'correct horse battery')
    assert user.role.name == 'sales'
    row = AuditLog.get(AuditLog.entity == 'User', AuditLog.entity_code == user.code)
    assert row.source == 'cli' and 'correct horse' not in row.changes and user.password_hash not in row.changes


def test_user_create_generated_password_is_printed_once(runner, db):
    result = runner.invoke(args=['ltc', 'user', 'create', 'han.meimei', '--role', 'finance', '--generate'])
    assert result.exit_code == 0, result.output
    password = result.output.split('password: ')[1].split()[0]
    assert check_password_hash(User.get(User.username == 'han.meimei').password_hash, password)


def test_user_create_prompt(runner, db):
    result = runner.invoke(args=['ltc', 'user', 'create', 'wang', '--role', 'ops'],
                           input='a-long-password\na-long-password\n')
    assert result.exit_code == 0, result.output
    assert User.get(User.username == 'wang').role.name == 'ops'


def test_user_errors_are_one_sentence(runner, db):
    ok = runner.invoke(args=['ltc', 'user', 'create', 'dup', '--role', 'sales', '--password-stdin'],
                       input='long-enough-pw\n')
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(args=['ltc', 'user', 'create', 'dup', '--role', 'sales', '--password-stdin'],
                          input='long-enough-pw\n')
    assert again.exit_code == 1 and 'already exists' in again.output and 'Traceback' not in again.output
    short = runner.invoke(args=['ltc', 'user', 'create', 'x', '--role', 'sales', '--password-stdin'],
                          input='short\n')
    assert short.exit_code == 1 and 'too short' in short.output
    nodept = runner.invoke(args=['ltc', 'user', 'create', 'y', '--role', 'sales', '--department', 'Nowhere',
                                 '--password-stdin'], input='long-enough-pw\n')
    assert nodept.exit_code == 1 and "Department 'Nowhere' does not exist" in nodept.output
    assert not User.select().where(User.username.in_(['x', 'y'])).exists()


def test_user_passwd(runner, db):
    runner.invoke(args=['ltc', 'user', 'create', 'zhao', '--role', 'manager', '--password-stdin'],
                  input='first-password\n')
    result = runner.invoke(args=['ltc', 'user', 'passwd', 'zhao', '--password-stdin'], input='second-password\n')
    assert result.exit_code == 0, result.output
    assert check_password_hash(User.get(User.username == 'zhao').password_hash, 'second-password')
    missing = runner.invoke(args=['ltc', 'user', 'passwd', 'nobody', '--password-stdin'], input='second-password\n')
    assert missing.exit_code == 1 and 'no user' in missing.output


def test_rules_command_prints_the_table_the_docs_show(runner):
    import sys
    from pathlib import Path
    result = runner.invoke(args=['ltc', 'rules'])
    assert result.exit_code == 0, result.output
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
    import docs_reference
    assert result.output.strip() in docs_reference.pages()['rules.md']
    assert '| Payment | C | – | – | C | C |' in result.output


def test_user_create_and_passwd_refuse_guessable_passwords_in_both_languages(runner, db):
    for password in ('aaaaaaaaaa', 'password123', 'sun.wukong.1'):
        result = runner.invoke(args=['ltc', 'user', 'create', 'sun.wukong', '--role', 'sales', '--password-stdin'],
                               input=password + '\n')
        assert result.exit_code == 1 and 'too easy to guess' in result.output, result.output
        assert '密码太容易被猜到' in result.output and '--generate' in result.output
    assert not User.select().where(User.username == 'sun.wukong').exists()
    runner.invoke(args=['ltc', 'user', 'create', 'sun', '--role', 'sales', '--password-stdin'],
                  input='violet-tundra-kettle\n')
    weak = runner.invoke(args=['ltc', 'user', 'passwd', 'sun', '--password-stdin'], input='password123\n')
    assert weak.exit_code == 1 and '密码太容易被猜到' in weak.output
    assert check_password_hash(User.get(User.username == 'sun').password_hash, 'violet-tundra-kettle')


def test_user_unlock_lifts_a_login_lock(runner, db):
    from ltc.services import logins
    limits = logins.Limits(per_user=1)
    logins.record_failure('qian', '10.0.0.8', limits)
    assert logins.wait_seconds('qian', None) > 0
    result = runner.invoke(args=['ltc', 'user', 'unlock', 'qian'])
    assert result.exit_code == 0, result.output
    assert logins.wait_seconds('qian', None) == 0
    assert logins.wait_seconds('someone', '10.0.0.8') == 0   # the address was not over its limit
