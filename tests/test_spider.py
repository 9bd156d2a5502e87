"""Checks on the spider class itself (its behaviour is tested by crawling the replica)."""

from __future__ import annotations

import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value

from qptd_spider import settings
from qptd_spider.spiders.qptd import QptdSpider

CALLBACKS = [
    name
    for name, member in inspect.getmembers(QptdSpider, inspect.isfunction)
    if name.startswith("parse_") or name.endswith("_failed")
]


def test_every_callback_is_checked() -> None:
    assert {"parse_home", "parse_sitemap", "parse_listing", "parse_article"} <= set(CALLBACKS)
    assert {"request_failed", "sitemap_failed"} <= set(CALLBACKS)


@pytest.mark.parametrize("name", CALLBACKS)
def test_no_callback_is_a_generator_that_returns_a_value(name: str) -> None:
    # Scrapy's own check, switched off at run time for speed (WARN_ON_GENERATOR_RETURN_VALUE):
    # a value returned from a generator callback would be silently lost.
    assert settings.WARN_ON_GENERATOR_RETURN_VALUE is False
    assert not is_generator_with_return_value(getattr(QptdSpider, name))
