"""Index leads by company e-mail domain, so duplicate detection needs no table scan."""
from peewee import *

PUBLIC = ('qq.com', 'foxmail.com', '163.com', '126.com', 'yeah.net', 'sina.com', 'sina.cn', 'sohu.com',
          'aliyun.com', '139.com', '189.cn', 'wo.cn', 'tom.com', '21cn.com', 'hotmail.com',
          'outlook.com', 'live.com', 'msn.com', 'gmail.com', 'googlemail.com', 'yahoo.com',
          'yahoo.com.cn', 'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com',
          'mail.com', 'gmx.com', 'gmx.de', 'web.de', 'yandex.ru', 'zoho.com')


def up(migrator, db):
    migrator.migrate(migrator.add_column('lead', 'email_domain', CharField(null=True, max_length=120)))
    migrator.migrate(migrator.add_index('lead', ('email_domain',)))
    # Backfill from the stored normalised e-mail (the same rule as ltc.services.dedupe.company_domain).
    postgres = isinstance(db, PostgresqlDatabase)
    at = "strpos(email_norm, '@')" if postgres else "instr(email_norm, '@')"
    domain = f'substr(email_norm, {at} + 1)'
    marks = ', '.join([db.param] * len(PUBLIC))
    db.execute_sql(f'UPDATE lead SET email_domain = {domain} '
                   f'WHERE {at} > 0 AND {domain} NOT IN ({marks})', PUBLIC)


def down(migrator, db):
    migrator.migrate(migrator.drop_index('lead', 'lead_email_domain'))
    migrator.migrate(migrator.drop_column('lead', 'email_domain'))
