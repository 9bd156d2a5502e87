"""Closing notes of reprinted pieces: "Thông tin trong bài viết của Bệnh viện X chỉ có tính
chất tham khảo...". They are the article's text (the body keeps them), a signature may stand
above them, and the organization they name is where the piece comes from (``source``) when
no signature says so."""

from __future__ import annotations

import re

from . import vocabulary as vocab
from .folding import fold

_DISCLAIMER = re.compile(
    r"(?:chỉ\s+(?:có|mang)\s+tính(?:\s+chất)?\s+tham\s+khảo"
    r"|không\s+(?:thể\s+)?thay\s+thế\s+(?:cho\s+)?(?:việc|lời)"
    r"|bản\s+quyền\s+(?:thuộc|bài\s+viết)"
    r"|nghiêm\s+cấm\s+(?:sao\s+chép|đăng\s+lại))"
)
# "(bài viết|thông tin) của|từ ORGANIZATION": the organization a note credits.
_CREDITED = re.compile(r"\b(?:của|từ|thuộc về)\s+(?P<org>\S.*)$")
_CAPITALIZED = re.compile(r"^[A-ZÀ-ỸĐ0-9]")
# Words that end the name and go on with the sentence ("... Hồng Ngọc chỉ có tính chất").
_NAME_ENDS = frozenset(
    "chỉ có là không được đã đang và cho với nhằm để mang hoàn".split()  # noqa: SIM905
)


def is_disclaimer(paragraph: str) -> bool:
    """A closing note of a reprint ("... chỉ có tính chất tham khảo ...")."""
    return bool(_DISCLAIMER.search(fold(paragraph)))


def disclaimer_source(paragraph: str) -> str | None:
    """The organization a closing note says the piece is from ("... bài viết của Bệnh viện
    Đa khoa X chỉ có tính chất tham khảo" → "Bệnh viện Đa khoa X"): an organization head
    word of the vocabulary, then capitalized words; None when the note names none."""
    if not is_disclaimer(paragraph):
        return None
    for match in _CREDITED.finditer(paragraph):
        rest = match.group("org")
        head = vocab.ORGANIZATION_HEAD_SET.prefix(rest)
        if head is None or not _CAPITALIZED.match(rest):
            continue
        words = rest.split()
        size = len(head.split())
        taken = words[:size]
        for word in words[size:]:
            if fold(word) in _NAME_ENDS:
                break
            taken.append(word.rstrip(".,;:"))
            if word[-1:] in ".,;:":
                break
        # A name ends on a capitalized word ("Bệnh viện Đa khoa Hồng Ngọc").
        while len(taken) > size and not _CAPITALIZED.match(taken[-1]):
            taken.pop()
        if len(taken) > size:
            return " ".join(taken)
    return None
