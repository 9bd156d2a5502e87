"""The team's shared evidence about real pages is read where it lives, never copied here.

Real pages, real signature lines and the seed article are other people's text: the project
keeps none of it (docs/PORTAL.md explains the evidence in its own words). These tests check
that no committed file is a copy of a shared file or quotes a line of their text, and that
the skeleton article page of the evidence parses.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from qptd_harness.shared_evidence import (
    MARKUP,
    REAL_CMS,
    REAL_SIGNATURES,
    SEED_ARTICLE,
    SHARED_PORTAL,
    SKELETONS,
    absent,
)
from qptd_spider.extract import extract_item

ROOT = Path(__file__).resolve().parents[1]
# Shorter lines are phrases anyone writes ("Bí thư Quận ủy"); longer ones are quotations.
QUOTE_LENGTH = 40
BINARY_SUFFIXES = {".png", ".parquet", ".gz", ".warc", ".sqlite", ".whl"}

needs_shared = pytest.mark.skipif(not SHARED_PORTAL.is_dir(), reason=absent(SHARED_PORTAL))


def committed_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [ROOT / name for name in listed.split("\0") if name]


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def shared_quotations() -> set[str]:
    """Lines of real text in the shared evidence, long enough to be quotations."""
    texts: list[str] = []
    if SEED_ARTICLE.exists():
        texts += SEED_ARTICLE.read_text("utf-8").splitlines()
    if REAL_SIGNATURES.exists():
        for line in REAL_SIGNATURES.read_text("utf-8").splitlines():
            texts += json.loads(line)["lines"] if line.strip() else []
    labels = REAL_CMS / "labels.jsonl"
    if labels.exists():
        for line in labels.read_text("utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            texts += [row.get("title") or "", row.get("lead") or ""]
    return {q for t in texts if len(q := _squeezed(t)) >= QUOTE_LENGTH}


@needs_shared
def test_no_committed_file_is_a_copy_of_a_shared_file() -> None:
    shared = {p.read_bytes() for p in SHARED_PORTAL.rglob("*") if p.is_file()}
    copies = [
        str(p.relative_to(ROOT))
        for p in committed_files()
        if p.is_file() and p.read_bytes() in shared
    ]
    assert copies == []


@needs_shared
def test_no_committed_file_quotes_real_text() -> None:
    quotations = shared_quotations()
    assert len(quotations) >= 40  # the seed article, real lines, real titles and leads
    quoting: dict[str, list[str]] = {}
    for path in committed_files():
        if path.suffix in BINARY_SUFFIXES or not path.is_file():
            continue
        try:
            text = _squeezed(path.read_text("utf-8"))
        except UnicodeDecodeError:
            continue
        found = [q for q in quotations if q in text]
        if found:
            quoting[str(path.relative_to(ROOT))] = found[:2]
    assert quoting == {}


@pytest.mark.skipif(not MARKUP.exists(), reason=absent(MARKUP))
def test_portal_md_covers_every_topic_of_the_evidence() -> None:
    ours = (ROOT / "docs" / "PORTAL.md").read_text(encoding="utf-8")
    for heading in re.findall(r"^## .+$", MARKUP.read_text(encoding="utf-8"), re.M):
        assert heading in ours


@pytest.mark.skipif(not REAL_SIGNATURES.exists(), reason=absent(REAL_SIGNATURES))
def test_the_real_signature_lines_are_well_formed() -> None:
    rows = [json.loads(line) for line in REAL_SIGNATURES.read_text("utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) == 93
    assert all({"lines", "authors", "position", "agency", "kind"} <= set(r) for r in rows)


@pytest.mark.skipif(not (SKELETONS.exists() and SEED_ARTICLE.exists()), reason=absent(SKELETONS))
def test_the_skeleton_article_page_reads_as_the_seed_article_shows() -> None:
    # The skeleton page carries the seed article's title and signature: the seed's visible
    # text is what a reader sees, so the item must agree with it line by line.
    html = re.findall(r"```html\n(.*?)```", SKELETONS.read_text("utf-8"), re.S)[0]
    seed = [_squeezed(line) for line in SEED_ARTICLE.read_text("utf-8").splitlines()]
    seed = [line for line in seed if line]
    url = "http://quocphongthudo.vn/thoi-su-chinh-tri/thanh-pho-ha-noi/skeleton.html"
    item = extract_item(html, url, "2026-01-01T00:00:00+00:00")
    assert item is not None
    assert item["title"] in seed
    assert item["published_at"] == "2018-11-20T08:15:00+07:00"
    assert item["published_at_source"] == "microdata"
    assert item["article_id"] == "5bf3a1c2e4b0a91d2c7f0011"
    # The signature: the name ends one line of the seed, the position runs on to the next.
    name_line = next(line for line in seed if line.startswith(item["author"] + ","))
    position_end = seed[seed.index(name_line) + 1]
    assert item["position"] == name_line.split(",", 1)[1].strip() + " " + position_end
    # Page furniture the seed shows around the article never enters the body.
    furniture = [seed[0], *seed[-5:]]
    assert not any(line in item["body"] for line in furniture)
