"""What the product depends on, and the few places it leans on a library's internals.

Each declared dependency is imported by the product; ``datasets`` (heavy: it pulls in
pandas, fsspec and a cache) only by the export. Where the product needs more than a
library's public API, one module wraps it and a test here fails as soon as the library
changes under it.
"""

from __future__ import annotations

import ast
import asyncio
import gzip
import inspect
import io
import re
import subprocess
import sys
import tomllib
import warnings
import zlib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.extensions.feedexport import FeedExporter
from scrapy.settings import default_settings
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

ROOT = Path(__file__).parent.parent
PRODUCT = ROOT / "qptd_spider"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def product_imports() -> dict[str, set[str]]:
    """Top-level module name → the product files that import it."""
    found: dict[str, set[str]] = {}
    for path in PRODUCT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {_normalized(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in requirements}


def test_every_declared_dependency_is_imported_by_the_product() -> None:
    """A dependency only a test uses (pyyaml, to read the card's header back) belongs in
    the dev extra."""
    distributions = packages_distributions()
    imported = {
        _normalized(dist) for module in product_imports() for dist in distributions.get(module, [])
    }
    assert declared() - imported == set()
    assert "pyyaml" in declared("dev")


def test_only_the_export_imports_datasets() -> None:
    assert product_imports()["datasets"] == {
        "qptd_spider/dataset/card.py",
        "qptd_spider/dataset/hf.py",
    }


def test_the_crawl_modules_do_not_import_datasets() -> None:
    """A fresh interpreter that imports the spider, its settings, pipelines, middlewares and
    extensions (what ``scrapy crawl`` loads) has not loaded ``datasets``."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import qptd_spider.crawl, qptd_spider.spiders\n"
        "names = ['qptd_spider.settings', 'qptd_spider.items', 'qptd_spider.extract']\n"
        "for package in (qptd_spider.crawl, qptd_spider.spiders):\n"
        "    prefix = package.__name__ + '.'\n"
        "    names += [m.name for m in pkgutil.iter_modules(package.__path__, prefix)]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names), sorted(m for m in ('datasets', 'yaml', 'pandas') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    crawl_modules = len(list((PRODUCT / "crawl").glob("*.py")))
    spider_modules = len([p for p in (PRODUCT / "spiders").glob("*.py") if p.stem != "__init__"])
    assert done.stdout.split(" ", 1) == [str(3 + crawl_modules + spider_modules), "[]\n"]


# -- Scrapy settings ---------------------------------------------------------------------


def project_settings() -> dict[str, object]:
    from qptd_spider import settings

    return {name: getattr(settings, name) for name in dir(settings) if name.isupper()}


def test_every_project_setting_is_one_scrapy_knows_or_ours() -> None:
    """A setting Scrapy dropped (REQUEST_FINGERPRINTER_IMPLEMENTATION, gone in 2.19) is
    silently ignored: it would only mislead the reader."""
    unknown = [
        name
        for name in project_settings()
        if not hasattr(default_settings, name) and not name.startswith("QPTD_")
    ]
    assert unknown == []


def test_the_project_settings_raise_no_scrapy_deprecation_warning() -> None:
    from qptd_spider.spiders.qptd import QptdSpider

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        get_crawler(QptdSpider, settings_dict=project_settings())
    assert [str(w.message) for w in caught if w.category is ScrapyDeprecationWarning] == []


# -- the library internals the product leans on ------------------------------------------


def test_warc_records_are_one_gzip_member_each_at_our_level() -> None:
    """warcio's public WARCWriter, uncompressed, into our gzip stream: it flushes after
    each record, which closes one member (a reader seeks to a record's offset)."""
    from qptd_spider.warc import _RecordWriter

    out = io.BytesIO()
    writer = _RecordWriter(out)
    offsets = []
    for text in (b"first", b"second record"):
        offsets.append(out.tell())
        record = writer.create_warc_record(
            "https://quocphongthudo.vn/a.html",
            "resource",
            payload=io.BytesIO(text),
            length=len(text),
        )
        writer.write_record(record)
    data = out.getvalue()
    members = [data[a:b] for a, b in zip(offsets, [*offsets[1:], len(data)], strict=True)]
    texts = [gzip.decompress(member) for member in members]
    assert [t.split(b"\r\n\r\n")[1] for t in texts] == [b"first", b"second record"]
    assert all(t.startswith(b"WARC/1.1\r\n") for t in texts)
    # The gzip header's XFL byte: 2 for level 9 (warcio's own GzippingWrapper), 0 for ours.
    assert [member[8] for member in members] == [0, 0]
    assert zlib.decompressobj(zlib.MAX_WBITS + 16).decompress(members[0])


def test_a_response_failed_from_twisted_is_a_connection_lost() -> None:
    from qptd_spider.crawl.failures import failure_kind

    failure = Failure(ResponseFailed([Failure(ConnectionLost())]))
    assert failure_kind(failure) == "connection_lost"


def test_scrapy_still_closes_feeds_through_the_method_safe_feed_exporter_wraps() -> None:
    """SafeFeedExporter overrides FeedExporter._close_slot (private: Scrapy's public API has
    no hook that sees a feed fail to write when the crawl closes). Should Scrapy rename it
    or stop calling it, this fails, not the crawls of a full disk."""
    assert inspect.iscoroutinefunction(FeedExporter._close_slot)
    assert list(inspect.signature(FeedExporter._close_slot).parameters) == [
        "self",
        "slot",
        "spider",
    ]
    assert "self._close_slot(slot, spider)" in inspect.getsource(FeedExporter)


def test_a_feed_that_cannot_be_stored_marks_the_run_failed(tmp_path: Path) -> None:
    from qptd_spider.crawl.feeds import SafeFeedExporter

    crawler = get_crawler(
        settings_dict={"FEEDS": {str(tmp_path / "out.jsonl"): {"format": "jsonlines"}}}
    )
    exporter = SafeFeedExporter(crawler)
    spider = Spider(name="t")
    exporter.open_spider(spider)
    exporter.item_scraped({"url": "https://quocphongthudo.vn/a.html"}, spider)

    def full_disk(file: io.IOBase) -> None:
        file.close()
        raise OSError(28, "No space left on device")

    [slot] = exporter.slots
    slot.storage.store = full_disk  # type: ignore[method-assign]

    async def close() -> None:
        await exporter.close_spider(spider)

    asyncio.run(close())
    assert crawler.stats is not None
    failed = crawler.stats.get_value("qptd/output/failed")
    assert failed == f"cannot write the feed: could not store the feed {slot.uri}"


@pytest.mark.parametrize("module", ["trafilatura", "lxml.html.clean"])
def test_the_dev_extra_installs_what_the_comparison_needs(module: str) -> None:
    """trafilatura needs lxml's html cleaner, a package of its own since lxml 5.2; pip
    before 24 does not install it from lxml's `html_clean` extra (spelled `html-clean`)."""
    __import__(module)
    assert "lxml-html-clean" in declared("dev")
