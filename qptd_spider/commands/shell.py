"""``scrapy shell``: Scrapy's, as a dry run (nothing written, nothing remembered)."""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.commands.shell import Command as ScrapyShell

from . import DRY_RUN_SETTINGS


class Command(ScrapyShell):
    default_settings: ClassVar[dict[str, Any]] = {
        **ScrapyShell.default_settings,
        **DRY_RUN_SETTINGS,
    }
