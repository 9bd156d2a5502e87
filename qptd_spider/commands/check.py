"""``scrapy check qptd``: the spider's contracts on stored pages; nothing is written."""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.commands.check import Command as ScrapyCheck

from . import DRY_RUN_SETTINGS


class Command(ScrapyCheck):
    default_settings: ClassVar[dict[str, Any]] = {
        **ScrapyCheck.default_settings,
        **DRY_RUN_SETTINGS,
        # Stored pages need no robots.txt (and the live portal may be out of reach).
        "ROBOTSTXT_OBEY": False,
    }
