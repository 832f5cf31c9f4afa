"""The two-way sync (`twoway`), sync targets and their schedule, settling conflicts, reverting a run.

The top sync subpackage: it may import every other one; only the doors (CLI, admin, jobs) import it.
"""
