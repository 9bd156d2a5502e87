"""The "no text lost" check, read independently of the parser: every character a reader sees
in an article's body (and an after-body block) against every character the parser placed
in body, captions, signature and named page furniture."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

from lxml import html as lxml_html

from qptd_spider.pages import ArticlePage


def visible(text: str) -> Counter[str]:
    """Characters a reader sees, white space and zero-width ones aside, in NFC."""
    text = unicodedata.normalize("NFC", text)
    return Counter(c for c in text if not c.isspace() and c not in "\u200b\u200c\u200d\ufeff")


def body_characters(source: Path | str) -> Counter[str]:
    """What a reader sees in the article between its lead and its rating block: the body
    and an after-body block, read with plain lxml (scripts, styles and the sharing widgets
    left out: no reader reads them as the article)."""
    text = source.read_text("utf-8") if isinstance(source, Path) else source
    doc = lxml_html.fromstring(text)
    root = doc.xpath("//article[contains(@class,'news-detail-layout')]")[0]
    for junk in root.xpath(
        ".//header | .//h1 | .//*[contains(@class,'brief')] | .//*[contains(@class,'rating')]"
        " | .//*[contains(@class,'social-connect')] | .//script | .//style | .//audio"
    ):
        junk.drop_tree()
    return visible("".join(root.itertext()))


def reading_characters(page: ArticlePage) -> Counter[str]:
    reading = page.body_reading
    parts = [
        *reading.paragraphs,
        *reading.captions,
        *reading.signature_lines,
        *(text for _, text in reading.furniture),
    ]
    return visible("".join(parts))
