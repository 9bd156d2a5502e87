"""``scrapy check qptd``: the spider's contracts on stored pages; nothing is written."""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from scrapy.commands.check import Command as ScrapyCheck

from . import apply_dry_run


class Command(ScrapyCheck):
    default_settings: ClassVar[dict[str, Any]] = dict(ScrapyCheck.default_settings)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # Stored pages need no robots.txt (and the live portal may be out of reach).
        apply_dry_run(self.settings, ROBOTSTXT_OBEY=False)
