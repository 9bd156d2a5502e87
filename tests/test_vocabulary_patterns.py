"""The vocabulary is the parser's knowledge: every rank, title, staff credit and photo label
the signature parser reads comes from ``vocabulary.py``, so adding a word there is enough
(issue 23). Words added at run time below are made up: no real signature writes them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qptd_spider.normalize import signature
from qptd_spider.normalize import vocabulary as vocab
from qptd_spider.normalize.signature import parse_signature, photo_credit


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


def test_a_title_added_to_the_vocabulary_is_read(patch_vocabulary: pytest.MonkeyPatch) -> None:
    raw = "TSQX. Đỗ Thị Hằng"
    assert parse_signature(raw).status == "unparsed"
    patch_vocabulary.setattr(vocab, "ACADEMIC_TITLES", {**vocab.ACADEMIC_TITLES, "TSQX": "TSQX"})
    signature.rebuild()
    (author,) = parse_signature(raw).authors
    assert (author.name, author.academic_title) == ("Đỗ Thị Hằng", "TSQX")
    # Abbreviated titles in a row are one title, whichever of them is new.
    (author,) = parse_signature("PGS, TSQX Đỗ Thị Hằng").authors
    assert author.academic_title == "PGS.TSQX"


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("PGS.TS Nguyễn Văn An", "PGS.TS"),
        ("GS. TSKH Nguyễn Văn An", "GS.TSKH"),
        ("PGS, TS, BS Nguyễn Văn An", "PGS.TS.BS"),
        ("Thượng tướng, Viện sĩ, Tiến sĩ NGUYỄN VĂN AN", "Viện sĩ, Tiến sĩ"),
    ],
)
def test_titles_in_a_row_are_composed_from_the_vocabulary_s_single_titles(
    raw: str, title: str
) -> None:
    """The vocabulary lists "PGS" and "TS", never the pair "PGS.TS": the parser joins them."""
    assert "PGS.TS" not in vocab.ACADEMIC_TITLES
    (author,) = parse_signature(raw).authors
    assert (author.name, author.academic_title) == ("Nguyễn Văn An", title)


def test_a_reporter_credit_added_to_the_vocabulary_names_the_reporter(
    patch_vocabulary: pytest.MonkeyPatch,
) -> None:
    raw = "PVX Thu Hà"
    assert parse_signature(raw).authors == []
    patch_vocabulary.setattr(vocab, "REPORTER_HEADS", (*vocab.REPORTER_HEADS, "PVX"))
    signature.rebuild()
    parsed = parse_signature(raw)
    assert [a.name for a in parsed.authors] == ["Thu Hà"]
    assert parsed.staff is True


def test_a_photo_label_added_to_the_vocabulary_credits_the_photo(
    patch_vocabulary: pytest.MonkeyPatch,
) -> None:
    caption = "Quang cảnh buổi lễ. Hình: MINH HÀ"
    assert photo_credit(caption) is None
    patch_vocabulary.setattr(vocab, "ROLE_LABELS", {**vocab.ROLE_LABELS, "Hình": "Ảnh"})
    signature.rebuild()
    assert photo_credit(caption) == "Minh Hà"


@pytest.mark.parametrize(
    ("caption", "credit"),
    [
        ("Quang cảnh buổi lễ. Ảnh: MINH HÀ", "Minh Hà"),
        ("(Ảnh: Thanh Tùng/TTXVN)", "Thanh Tùng"),
        ("Bộ đội giúp dân. Ảnh của THU HÀ", "Thu Hà"),
        ("Đoàn công tác. Cụm ảnh: NGỌC ANH", "Ngọc Anh"),
        ("Hội nghị. Bài và ảnh: MINH HIẾU", "Minh Hiếu"),
        ("Lễ ra quân. Nguồn ảnh: TTXVN", "TTXVN"),
        ("Lễ ra quân. Ảnh tư liệu", None),
        ("Lễ ra quân năm 2020", None),
    ],
)
def test_photo_credits(caption: str, credit: str | None) -> None:
    assert photo_credit(caption) == credit


@pytest.mark.parametrize(
    ("raw", "rank", "title", "role"),
    [
        ("Hoạ sĩ NGUYỄN VĂN AN", None, "Họa sĩ", None),
        ("HỌA SĨ NGUYỄN VĂN AN", None, "Họa sĩ", None),
        ("Đồ hoạ: NGUYỄN VĂN AN", None, None, "Đồ họa"),
        ("Tuỳ bút: NGUYỄN VĂN AN", None, None, "Tùy bút"),
        ("NGUYỄN VĂN AN (tổng hợp)", None, None, "Tổng hợp"),
        ("Đồng  chí Thiếu  uý NGUYỄN VĂN AN", "Thiếu úy", None, None),
    ],
)
def test_every_vocabulary_pattern_reads_both_tone_styles_any_case_and_spacing(
    raw: str, rank: str | None, title: str | None, role: str | None
) -> None:
    """The vocabulary writes the old style ("họa", "tùy"); the press writes both."""
    parsed = parse_signature(raw)
    assert parsed.status == "parsed"
    (author,) = parsed.authors
    assert (author.name, author.rank, author.academic_title, author.role) == (
        "Nguyễn Văn An",
        rank,
        title,
        role,
    )


def test_a_source_label_ending_in_a_role_label_is_read_whole(
    patch_vocabulary: pytest.MonkeyPatch,
) -> None:
    """ "Nguồn tin:" is a source label, not "Nguồn" and the label "Tin:": so is any source
    label of the vocabulary that ends with a role label."""
    raw = "Ảnh: Minh Hà - Lấy tin: VOV"
    assert parse_signature(raw).status == "partial"  # "Lấy" left over
    patch_vocabulary.setattr(vocab, "SOURCE_LABELS", (*vocab.SOURCE_LABELS, "Lấy tin"))
    signature.rebuild()
    parsed = parse_signature(raw)
    assert parsed.status == "parsed"
    assert (parsed.source, [(a.name, a.role) for a in parsed.authors]) == (
        "VOV",
        [("Minh Hà", "Ảnh")],
    )
