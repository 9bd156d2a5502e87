"""Project commands (``COMMANDS_MODULE``): ``crawl`` that exits non-zero on failed checks."""
