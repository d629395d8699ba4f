"""modelreg's benchmark suite (`make bench`, `make bench-large`): never collected by `make test`.

No module here is named ``test_*``, so pytest's default collection (``test_*.py``) skips the folder; the
query plans of the measured operations are checked in ``tests/db/test_query_plans.py`` instead.
"""
