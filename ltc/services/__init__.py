"""The operations of the LTC process; admin, CLI, sync and jobs all call these."""
