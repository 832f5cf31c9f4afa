"""`ltc import --keep-unknown`: the columns no field takes become text custom fields and their values are imported;
the plan names every column and where it goes, and a preview (--dry-run, --show-mapping) defines nothing."""
from ltc.models import CustomField, Lead

from ..sync.helpers import DATA

# One of the shared real files, kept in tests/data (see its ATTRIBUTION.md): CI's clone has no shared folder.
LEADS = DATA / 'minhhoccode111_csvparser__leads-100.csv'


def test_keep_unknown_turns_not_imported_columns_of_a_real_file_into_custom_fields(runner, db):
    before = runner.invoke(args=['ltc', 'import', 'leads', str(LEADS), '--show-mapping', '--lang', 'en'])
    assert before.exit_code == 0, before.output
    assert 'Phone 2 → not imported' in before.output and 'Email 2 → not imported' in before.output
    owners = ['--map', 'Lead Owner=-']   # the file's sales reps are no users here
    preview = runner.invoke(args=['ltc', 'import', 'leads', str(LEADS), '--dry-run', '--keep-unknown', '--lang', 'en',
                                  *owners])
    assert 'Kept as custom fields (text):' in preview.output and 'Email 2 → custom:email_2 (Email 2)' in preview.output
    assert CustomField.select().count() == 0 and Lead.select().count() == 0   # a preview leaves nothing behind
    result = runner.invoke(args=['ltc', 'import', 'leads', str(LEADS), '--keep-unknown', '--lang', 'en', *owners])
    assert result.exit_code == 0, result.output
    assert 'Email 2 → custom:email_2 (Email 2)' in result.output and 'Phone 2 → custom:phone_2' in result.output
    assert 'Lead Owner → not imported  (left out by --map)' in result.output
    assert 'Company → company (Company)' in result.output   # every column is named with where it goes
    kept = {f.key: (f.label_en, f.kind) for f in CustomField.of('leads')}
    assert kept['email_2'] == ('Email 2', 'text') and kept['phone_2'] == ('Phone 2', 'text')
    lead = Lead.get(Lead.company == 'Grimes, Madden and Huff')
    assert lead.custom['email_2'] == 'ygibbs@guzman.com' and lead.custom['phone_2'] == '2754733370'
    again = runner.invoke(args=['ltc', 'import', 'leads', str(LEADS), '--show-mapping', '--keep-unknown',
                                '--lang', 'zh', *owners])
    assert 'Email 2 → custom:email_2 (Email 2)' in again.output and 'Lead Owner → 不导入' in again.output
    assert CustomField.select().count() == len(kept)   # the same columns keep the same fields
