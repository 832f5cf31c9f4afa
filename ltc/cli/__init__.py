"""`flask ltc ...`: one module per command group, each a thin door over services and sync.

`main` holds the `ltc` group (db, user, setup, run, demo, backup, restore, rules) and adds the
others: `leads` (lead, customer, pool, opp, followup), `cash` (quote, contract, payment,
receivables, reminders, jobs), `plan` (care, product-plan, target, dashboard, quote create),
`sync` (import, export, sync), `sheets` (Google Sheets access), `search`.
A door on the top floor: it may import every floor below; only the app factory imports it.
"""
