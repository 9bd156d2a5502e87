"""Real pages of the portal's CMS (``../shared/portal/real-cms/``, a live sister site's
server responses with hand labels): `qptd extract` and `scrapy crawl qptd` must read them as
the labels say. The pages are read from the shared folder at run time (their text is not the
project's); without it the tests say so and skip.

Expected values come from the labels and from the pages' own markup read here with plain
lxml, never from the parser's vocabulary.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from qptd_harness.runner import run_crawl
from qptd_harness.stored_site import REAL_CMS, StoredSiteServer
from qptd_spider.extract import extract_item
from qptd_spider.pages import ArticlePage
from tests.body_text import body_characters, reading_characters

SITE = REAL_CMS / "pkbichdao.com"
LABELS = REAL_CMS / "labels.jsonl"
ORIGIN = "https://pkbichdao.com"
CRAWLED_AT = "2023-10-25T06:30:00+00:00"
# Labels this parser does not meet yet, by id and field: a fix or a regression shows here.
KNOWN_MISSES: dict[str, set[str]] = {}

needs_real_pages = pytest.mark.skipif(
    not LABELS.exists(),
    reason=f"the real CMS pages are not here ({REAL_CMS} not found): these tests need the "
    "team's shared folder beside the repository",
)


def _labels() -> list[dict[str, Any]]:
    if not LABELS.exists():
        return []
    return [json.loads(line) for line in LABELS.read_text("utf-8").splitlines() if line.strip()]


LABELLED = _labels()
IDS = [label["id"] for label in LABELLED] or ["(no labels)"]


def _label(label_id: str) -> dict[str, Any]:
    if not LABELLED:
        pytest.skip(f"the real CMS pages are not here ({REAL_CMS} not found)")
    return next(label for label in LABELLED if label["id"] == label_id)


_DISPLAYED = re.compile(r"(\d{2})/(\d{2})/(\d{4})\s*\|\s*(\d{2}):(\d{2})")


def displayed_iso(text: str) -> str:
    """``Thứ hai, 21/08/2023 | 07:47`` → ``2023-08-21T07:47:00+07:00`` (the label's form)."""
    m = _DISPLAYED.search(text)
    assert m, text
    day, month, year, hour, minute = m.groups()
    return f"{year}-{month}-{day}T{hour}:{minute}:00+07:00"


def machine_iso(text: str) -> str:
    """``2023-08-21T07:48:39+0700`` → ``2023-08-21T07:48:39+07:00``."""
    return re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)


def squeeze(text: str | None) -> str:
    """A title as the tests compare it: dots and spaces out ("PGS. TS. BS." = "PGS TS BS")."""
    return re.sub(r"[.\s]+", "", text or "")


def expected_authors(label: dict[str, Any]) -> list[dict[str, Any]]:
    names = label["label"]["authors"]
    titles = [t.strip() for t in (label["label"]["academic_title"] or "").split("/")]
    affiliation = label["label"].get("affiliation") or label["label"].get("position")
    return [
        {
            "name": name,
            "academic_title": squeeze(titles[k] if k < len(titles) else titles[-1]) or None,
            # The affiliation line is where the dataset's ``position`` keeps a unit.
            "position": affiliation if k == 0 else None,
        }
        for k, name in enumerate(names)
    ]


def got_authors(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": a["name"],
            "academic_title": squeeze(a["academic_title"]) or None,
            "position": a["position"],
        }
        for a in item["authors"]
    ]


def figcaption_texts(path: Path) -> list[str]:
    """The non-empty captions the page's body holds, read with plain lxml."""
    doc = lxml_html.fromstring(path.read_bytes())
    captions = doc.xpath(
        "//article[contains(@class,'news-detail-layout')]"
        "//div[contains(@class,'content-detail')]//figcaption"
    )
    out = []
    for caption in captions:
        for br in caption.iter("br"):  # a line break shows as a break between words
            br.tail = "\n" + (br.tail or "")
        text = " ".join("".join(caption.itertext()).split())
        if text:
            out.append(unicodedata.normalize("NFC", text))
    return out


_extracted: dict[str, dict[str, Any]] = {}


def extracted(label: dict[str, Any]) -> dict[str, Any]:
    if label["id"] not in _extracted:
        html = (REAL_CMS / label["file"]).read_text("utf-8")
        item = extract_item(html, label["url"], CRAWLED_AT)
        assert item is not None, f"{label['id']} is not read as an article"
        _extracted[label["id"]] = item
    return _extracted[label["id"]]


def check_fields(item: dict[str, Any], label: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields of ``item`` that differ from the label: name → (got, expected)."""
    expected_source = label["label"]["source"]
    if expected_source:
        expected_source = re.sub(r"\s*\(.*\)$", "", expected_source)  # the labeller's note
    wanted = {
        "url": label["url"],
        "title": label["title"],
        "lead": label["lead"],
        "authors": expected_authors(label),
        "published_at": displayed_iso(label["dates"]["visible"]),
        "published_at_machine": machine_iso(label["dates"]["meta_datePublished"]),
        # The dataset names an organization credited instead of a person apart from an
        # outlet reprinted: either one is where the piece is from.
        "credit": expected_source,
        "captions": figcaption_texts(REAL_CMS / label["file"]),
        "signature_lines": label["signature_lines"],
    }
    got = {
        "url": item["url"],
        "title": item["title"],
        "lead": item["lead"],
        "authors": got_authors(item),
        "published_at": item["published_at"],
        "published_at_machine": item["published_at_machine"],
        "credit": item["source"] or item["organization"],
        "captions": [img["caption"] for img in item["images"] if img["caption"]],
        "signature_lines": item["signature_raw"].split("\n") if item["signature_raw"] else [],
    }
    return {k: (got[k], wanted[k]) for k in wanted if got[k] != wanted[k]}


@needs_real_pages
@pytest.mark.parametrize("label_id", IDS)
def test_qptd_extract_reads_each_labelled_page_as_labelled(label_id: str) -> None:
    label = _label(label_id)
    item = extracted(label)
    wrong = check_fields(item, label)
    assert set(wrong) == KNOWN_MISSES.get(label_id, set()), wrong
    assert item["body"], "an empty body"
    # The signature is not left in the body, nor the lead.
    for line in label["signature_lines"]:
        assert line not in item["body"].split("\n\n")
    assert not item["body"].startswith(item["lead"] or "\x00")


@needs_real_pages
@pytest.mark.parametrize("label_id", IDS)
def test_no_text_of_a_real_body_is_lost(label_id: str) -> None:
    """Every character of the body ends in exactly one of body, caption, signature or named
    page furniture (counted by the crawl report)."""
    label = _label(label_id)
    page = ArticlePage((REAL_CMS / label["file"]).read_text("utf-8"), label["url"])
    assert page.problem() is None
    assert reading_characters(page) == body_characters(REAL_CMS / label["file"])


@pytest.mark.integration
@needs_real_pages
def test_a_crawl_of_the_real_site_finds_every_labelled_article_once(tmp_path: Path) -> None:
    """`scrapy crawl qptd` pointed at the real pages served at their original paths: menus,
    sitemap page, home links, lists and related panels lead to every labelled article,
    exported once with the labelled fields; linked pages the folder lacks end as failures."""
    server = StoredSiteServer(SITE)
    server.start_in_thread()
    try:
        out = tmp_path / "out.jsonl"
        done = run_crawl(
            out,
            spider_args={"base_url": server.base_url, "canonical_base": ORIGIN},
            settings={
                "QPTD_EXPORTS": str(tmp_path / "exports"),
                "QPTD_STATS_FILE": str(tmp_path / "stats.json"),
                "DOWNLOAD_DELAY": "0",
                "AUTOTHROTTLE_ENABLED": "False",
                "LOG_LEVEL": "WARNING",
            },
            check=False,
            timeout=600,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    by_url = Counter(r["url"] for r in rows)
    assert [u for u, n in by_url.items() if n > 1] == []
    for label in LABELLED:
        [row] = [r for r in rows if r["url"] == label["url"]]
        wrong = check_fields(row, label)
        assert set(wrong) == KNOWN_MISSES.get(label["id"], set()), (label["id"], wrong)
        assert row == {**extracted(label), "crawled_at": row["crawled_at"], **_volatile(row)}
    stats = json.loads((tmp_path / "stats.json").read_text("utf-8"))
    # Discovery used what the real CMS offers.
    assert stats["qptd/sitemap_page/read"] == 1
    assert stats.get("qptd/discovery/home_without_menu", 0) == 0
    # The rules that read the fields, for the report.
    assert stats["qptd/rules/body/div.content-detail"] == len(rows)
    failures = [
        json.loads(line)
        for run in (tmp_path / "exports" / "runs").iterdir()
        for line in (run / "failures.jsonl").read_text("utf-8").splitlines()
    ]
    stored = {p.with_suffix("").name for p in SITE.glob("*.html")}
    linked_missing = [f for f in failures if f["kind"] == "http_404"]
    assert linked_missing, "the related panels link articles the folder does not hold"
    for failure in linked_missing:
        name = failure["url"].removeprefix(ORIGIN + "/").replace("/", "__").removesuffix(".html")
        assert name not in stored
    # Profiles and testimonials are other content of the CMS, not unreadable news.
    assert {f["kind"] for f in failures} <= {"http_404", "not_news"}


def _volatile(row: dict[str, Any]) -> dict[str, Any]:
    """Fields a crawl fills that one page alone cannot (time fetched, archive, aliases)."""
    return {k: row[k] for k in ("parser_version", "warc_record", "other_urls") if k in row}
