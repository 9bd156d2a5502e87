"""Page furniture: text blocks a page of the CMS shows inside or beside an article's body
that are not the article (view counters, tag lists, "read more" lines, share widgets), and
the notes that close a reprint (disclaimers). Knowledge as data: a new kind of furniture is
a pattern here, never a special case in the parser.

Every furniture block is counted by kind in the crawl report, so nothing a reader could see
disappears without a trace (``ArticlePage.body_reading``).
"""

from __future__ import annotations

import re

from ..normalize.disclaimers import is_disclaimer
from ..normalize.folding import fold

__all__ = ["furniture_kind", "is_disclaimer"]

# Lines that are furniture wherever they stand in a body or an after-body block, by kind.
# Matched on folded text (case, tone style and spacing folded by ``fold``).
_LINE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "Lượt xem: 1.234", "Số lượt xem: 12", "Lượt đọc 45", "Views: 3"
    ("view_counter",
     re.compile(r"^(?:số\s+)?(?:lượt\s+(?:xem|đọc|truy cập)|views?)\s*:?\s*[\d.,]+$")),
    # "Từ khóa: ...", "Tags: ...", "Thẻ: ..."
    ("tags", re.compile(r"^(?:từ\s+khóa|tags?|thẻ)\s*:")),
    # "Xem thêm: ...", "Đọc thêm: ...", "Tin liên quan: ..."
    ("read_more",
     re.compile(r"^(?:xem\s+thêm|đọc\s+thêm|tin\s+liên\s+quan|bài\s+liên\s+quan)\s*[:>»]")),
    # "Chia sẻ", "In bài", "Lưu", "Đọc bài", "Gửi email": buttons left inside the body.
    ("widget",
     re.compile(r"^(?:chia\s+sẻ|in\s+bài(?:\s+viết)?|lưu|đọc\s+bài|gửi\s+email|bình\s+luận)$")),
)  # fmt: skip


def furniture_kind(line: str) -> str | None:
    """The kind of page furniture ``line`` is, or None when it is text of the article."""
    folded = fold(line)
    for kind, pattern in _LINE_KINDS:
        if pattern.match(folded):
            return kind
    return None
