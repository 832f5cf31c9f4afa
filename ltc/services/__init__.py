"""The operations of the LTC process; admin, CLI, sync and jobs all call these.

Every change of business data goes through `gate` (who may change what) and a service command;
every read through `scope`. Services import models and the base floor (db, errors, config), never
sync, demo, admin or the CLI; they may be imported by all of those.
"""
