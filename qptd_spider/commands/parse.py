"""``scrapy parse``: items come out normalized (through the pipelines) and nothing is written."""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from scrapy.commands.parse import Command as ScrapyParse

from . import DRY_RUN_SETTINGS


class Command(ScrapyParse):
    default_settings: ClassVar[dict[str, Any]] = {
        **ScrapyParse.default_settings,
        **DRY_RUN_SETTINGS,
    }

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        # The normalizers are pipelines: without them an item lacks half its fields.
        parser.set_defaults(pipelines=True)
