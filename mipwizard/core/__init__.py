"""The engine: models, checks, plans and cluster queries.

Nothing under ``mipwizard.core`` may import textual (``tests/test_import_hygiene.py``
proves it): the headless CLI and the TUI are two thin faces over this package.
"""
