"""The vocabulary is the parser's knowledge: every rank, title, staff credit and photo label
the signature parser reads comes from ``vocabulary.py``, so adding a word there is enough
(issue 23). Words added at run time below are made up: no real signature writes them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qptd_spider.normalize import signature
from qptd_spider.normalize import vocabulary as vocab
from qptd_spider.normalize.signature import parse_signature


@pytest.fixture
def patch_vocabulary(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Change the vocabulary inside a test; the parser is rebuilt from it, and rebuilt again
    from the real vocabulary afterwards (so no other test sees the invented words)."""
    with monkeypatch.context() as patch:
        yield patch
    signature.rebuild()
    assert parse_signature("Siêu tá TRẦN VĂN BA").status == "unparsed"


@pytest.mark.parametrize(
    ("raw", "name", "position"),
    [
        ("Chuẩn úy NGUYỄN VĂN A", "Nguyễn Văn A", None),
        ("CHUẨN ÚY NGUYỄN VĂN A", "Nguyễn Văn A", None),
        ("Chuẩn uý Nguyễn Văn A", "Nguyễn Văn A", None),
        (
            "Chuẩn úy Nguyễn Văn A, Chính trị viên Đại đội 2",
            "Nguyễn Văn A",
            "Chính trị viên Đại đội 2",
        ),
    ],
)
def test_chuan_uy_is_a_rank(raw: str, name: str, position: str | None) -> None:
    parsed = parse_signature(raw)
    assert parsed.status == "parsed"
    (author,) = parsed.authors
    assert (author.name, author.rank, author.position) == (name, "Chuẩn úy", position)


def test_a_rank_added_to_the_vocabulary_is_read(patch_vocabulary: pytest.MonkeyPatch) -> None:
    raw = "Siêu tá TRẦN VĂN BA - Chính ủy Sư đoàn 9"
    assert parse_signature(raw).status == "unparsed"  # not a rank yet
    patch_vocabulary.setattr(vocab, "RANKS", (*vocab.RANKS, "Siêu tá"))
    signature.rebuild()
    (author,) = parse_signature(raw).authors
    assert (author.name, author.rank, author.position) == (
        "Trần Văn Ba",
        "Siêu tá",
        "Chính ủy Sư đoàn 9",
    )
    # Capitals and the new tone style come with it.
    patch_vocabulary.setattr(vocab, "RANKS", (*vocab.RANKS, "Siêu úy"))
    signature.rebuild()
    (author,) = parse_signature("SIÊU UÝ LÊ VĂN CƯỜNG").authors
    assert (author.name, author.rank) == ("Lê Văn Cường", "Siêu úy")
