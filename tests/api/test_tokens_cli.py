"""`flask ltc token ...`: create (secret shown once), list (never the secret), revoke."""
from ltc.models import ApiToken
from ltc.services import tokens
from tests.factories import make_user


def test_token_commands_create_list_and_revoke(runner, db):
    user = make_user('sales')
    created = runner.invoke(args=['ltc', 'token', 'create', user.username, '--name', 'CRM', '--scopes',
                                  'leads:read,customers:write', '--days', '30'])
    assert created.exit_code == 0, created.output
    secret = created.output.split('secret: ')[1].split()[0]
    token = tokens.authenticate(secret)
    assert token is not None and token.scopes == 'leads:read customers:write' and token.expires_on
    listed = runner.invoke(args=['ltc', 'token', 'list', user.username])
    assert listed.exit_code == 0 and token.code in listed.output and secret not in listed.output
    revoked = runner.invoke(args=['ltc', 'token', 'revoke', user.username, token.code])
    assert revoked.exit_code == 0, revoked.output
    assert tokens.authenticate(secret) is None and ApiToken.get_by_id(token.id).revoked_at


def test_bad_scopes_and_another_users_token_are_refused(runner, db):
    user, other = make_user('sales'), make_user('sales')
    bad = runner.invoke(args=['ltc', 'token', 'create', user.username, '--name', 'x', '--scopes', 'leads:all'])
    assert bad.exit_code != 0 and 'leads:all' in bad.output
    token, _secret = tokens.create_token(other, 'theirs', '*:read')
    refused = runner.invoke(args=['ltc', 'token', 'revoke', user.username, token.code])
    assert refused.exit_code != 0 and 'not found' in refused.output
