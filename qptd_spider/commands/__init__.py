"""Project commands (``COMMANDS_MODULE``): Scrapy's ``crawl``, ``parse``, ``check`` and
``shell``, adapted to qptd.

``crawl`` checks its arguments before it starts (one clear line and exit status 2 for a bad
one) and turns the crawl's outcome into its exit status. ``parse``, ``check`` and ``shell``
are dry runs: they write nothing and remember nothing (``QPTD_DRY_RUN``).
"""

from typing import Any

# Exit statuses of `scrapy crawl qptd` / `qptd crawl` beyond Scrapy's own 0 and 1.
EXIT_USAGE = 2
EXIT_HEALTH = 3
EXIT_OUTPUT = 4

DRY_RUN_SETTINGS: dict[str, Any] = {"QPTD_DRY_RUN": True}


def apply_dry_run(settings: Any, **extra: Any) -> None:
    """The dry-run settings, above the project's own values (a command's defaults are not)."""
    for name, value in {**DRY_RUN_SETTINGS, **extra}.items():
        settings.set(name, value, priority="cmdline")
