"""Signatures → authors: every form the parser handles, one row each (docs/PORTAL.md and
issue 15's families). A row says what a researcher should get; the names in it are made up."""

from __future__ import annotations

from typing import Any

import pytest

from qptd_spider.normalize.article import normalize_signature
from qptd_spider.normalize.signature import parse_signature, split_signature
from qptd_spider.normalize.vocabulary import fold, is_vietnamese_syllable, known_outlet


def A(name: str, **kw: Any) -> dict[str, Any]:  # noqa: N802 - reads like a table row
    return {
        "name": name,
        "rank": None,
        "academic_title": None,
        "position": None,
        "role": None,
        **kw,
    }


def S(  # noqa: N802 - reads like a table row
    raw: str,
    authors: list[dict[str, Any]],
    source: str | None = None,
    *,
    organization: str | None = None,
    kind: str | None = "person",
    status: str = "parsed",
) -> tuple[str, list[dict[str, Any]], str | None, str | None, str | None, str]:
    if not authors and kind == "person":
        kind = "agency" if source else None
    return raw, authors, source, organization, kind, status


CASES = [
    # -- name and position ---------------------------------------------------------------
    S(
        "Trần Minh Khôi, Thành ủy viên,\nBí thư Quận ủy, Chủ tịch UBND quận Tây Hồ",
        [
            A(
                "Trần Minh Khôi",
                position="Thành ủy viên, Bí thư Quận ủy, Chủ tịch UBND quận Tây Hồ",
            )
        ],
    ),
    S(
        "Nguyễn Đắc Thái\nĐại học Nguyễn Huệ, Bộ Quốc phòng",
        [A("Nguyễn Đắc Thái", position="Đại học Nguyễn Huệ, Bộ Quốc phòng")],
    ),
    S(
        "Đại tá NGUYỄN VĂN A\nPhó Chính ủy\nBộ Tư lệnh Thủ đô Hà Nội",
        [A("Nguyễn Văn A", rank="Đại tá", position="Phó Chính ủy Bộ Tư lệnh Thủ đô Hà Nội")],
    ),
    S(
        "Thượng tướng, Viện sĩ, Tiến sĩ NGUYỄN HUY HIỆU",
        [A("Nguyễn Huy Hiệu", rank="Thượng tướng", academic_title="Viện sĩ, Tiến sĩ")],
    ),
    S(
        "Đại tá NGUYỄN VĂN A - Chính ủy Bộ Tư lệnh Thủ đô Hà Nội",
        [A("Nguyễn Văn A", rank="Đại tá", position="Chính ủy Bộ Tư lệnh Thủ đô Hà Nội")],
    ),
    S(
        "Đại tá NGUYỄN VĂN A\nChính ủy Bộ Tư lệnh Thủ đô Hà Nội",
        [A("Nguyễn Văn A", rank="Đại tá", position="Chính ủy Bộ Tư lệnh Thủ đô Hà Nội")],
    ),
    S(
        "Thượng uý TRẦN VĂN B, Bộ CHQS tỉnh Bà Rịa-Vũng Tàu",
        [A("Trần Văn B", rank="Thượng úy", position="Bộ CHQS tỉnh Bà Rịa-Vũng Tàu")],
    ),
    S(
        "Trung tá TRẦN VĂN C (Bộ CHQS tỉnh Hà Giang)",
        [A("Trần Văn C", rank="Trung tá", position="Bộ CHQS tỉnh Hà Giang")],
    ),
    S(
        "Thượng tá QNCN NGUYỄN VĂN AN, Trợ lý Tuyên huấn",
        [A("Nguyễn Văn An", rank="Thượng tá", position="Trợ lý Tuyên huấn")],
    ),
    S(
        "PGS.TS NGUYỄN VĂN E, Học viện Chính trị",
        [A("Nguyễn Văn E", academic_title="PGS.TS", position="Học viện Chính trị")],
    ),
    S(
        "Bài viết mới nhất từ Trung tướng, PGS. TS Nguyễn Đức Hòa",
        [A("Nguyễn Đức Hòa", rank="Trung tướng", academic_title="PGS.TS")],
    ),
    S(
        "Đồng chí Nguyễn Văn F, Ủy viên Ban Thường vụ Thành ủy",
        [A("Nguyễn Văn F", position="Ủy viên Ban Thường vụ Thành ủy")],
    ),
    S(
        "NGUYỄN VĂN H, Bộ Tài nguyên và Môi trường",
        [A("Nguyễn Văn H", position="Bộ Tài nguyên và Môi trường")],
    ),
    S(
        "Trần Văn Hùng, Bộ Lao động - Thương binh và Xã hội",
        [A("Trần Văn Hùng", position="Bộ Lao động - Thương binh và Xã hội")],
    ),
    S(
        "Thiếu tướng NGUYỄN VĂN B, Nguyên Phó Tư lệnh Quân khu Thủ đô",
        [A("Nguyễn Văn B", rank="Thiếu tướng", position="Nguyên Phó Tư lệnh Quân khu Thủ đô")],
    ),
    S("Nguyễn Văn An- Đài TT huyện Sóc Sơn", [A("Nguyễn Văn An", position="Đài TT huyện Sóc Sơn")]),
    # A unit line under two co-authors is both of theirs, in brackets or not.
    S(
        "Thượng úy NGUYỄN VĂN AN - Trung úy TRẦN VĂN BÌNH\nTrung đoàn 102, Sư đoàn 301",
        [
            A("Nguyễn Văn An", rank="Thượng úy", position="Trung đoàn 102, Sư đoàn 301"),
            A("Trần Văn Bình", rank="Trung úy", position="Trung đoàn 102, Sư đoàn 301"),
        ],
    ),
    S(
        "ĐỖ MẠNH HÙNG - LÊ VĂN TÚ\n(Lữ đoàn 201)",
        [A("Đỗ Mạnh Hùng", position="Lữ đoàn 201"), A("Lê Văn Tú", position="Lữ đoàn 201")],
    ),
    # -- several authors ---------------------------------------------------------------------
    S("MINH HIẾU - NGỌC ANH", [A("Minh Hiếu"), A("Ngọc Anh")]),
    S("Liên Huyền- Tiến Minh", [A("Liên Huyền"), A("Tiến Minh")]),
    S("MẠNH HÙNG-KIM DUNG", [A("Mạnh Hùng"), A("Kim Dung")]),
    S("T.Thụ-N.Quang-N.Hậu", [A("T.Thụ"), A("N.Quang"), A("N.Hậu")]),
    S("Lê Minh, Bùi Hạnh và Tuấn Nam", [A("Lê Minh"), A("Bùi Hạnh"), A("Tuấn Nam")]),
    S(
        "ThS. LÊ THỊ HOA và TS TRẦN VĂN DŨNG",
        [A("Lê Thị Hoa", academic_title="ThS"), A("Trần Văn Dũng", academic_title="TS")],
    ),
    # -- initials: kept as written, only the rest re-cased --------------------------------------
    S("Tin, ảnh: Q.LÂM", [A("Q.Lâm", role="Tin, ảnh")]),
    S("L.Duy", [A("L.Duy")]),
    S("N.Ý", [A("N.Ý")]),
    S("T.NHÀN", [A("T.Nhàn")]),
    S("T.H.", [A("T.H.")]),
    S("AX", [A("AX")]),
    # -- role labels -------------------------------------------------------------------------
    S("Bài, ảnh: MINH HIẾU", [A("Minh Hiếu", role="Bài, ảnh")]),
    S(
        "Bài, ảnh: MINH HIẾU - NGỌC ANH",
        [A("Minh Hiếu", role="Bài, ảnh"), A("Ngọc Anh", role="Bài, ảnh")],
    ),
    S("Bài: NGUYỄN A - Ảnh: TRẦN B", [A("Nguyễn A", role="Bài"), A("Trần B", role="Ảnh")]),
    S("Tác giả bài viết: Nguyễn Văn An", [A("Nguyễn Văn An", role="Tác giả")]),
    S("Đăng bởi: Trần Bình", [A("Trần Bình")]),
    S("Cụm ảnh của THU HÀ", [A("Thu Hà", role="Ảnh")]),
    S("Tin ảnh: NGỌC ANH", [A("Ngọc Anh", role="Tin, ảnh")]),
    S("Thơ: LÊ DŨNG", [A("Lê Dũng", role="Thơ")]),
    S("Thơ Trần Duy", [A("Trần Duy", role="Thơ")]),
    S("Ảnh Quang Thái", [A("Quang Thái", role="Ảnh")]),
    S("(Ảnh: Văn Điệp/TTXVN)", [A("Văn Điệp", role="Ảnh")], "TTXVN"),
    S("NGỌC ANH (tổng hợp)", [A("Ngọc Anh", role="Tổng hợp")]),
    S("Kim Liên (tổng hợp từ TTXVN)", [A("Kim Liên", role="Tổng hợp")], "TTXVN"),
    S("HOÀNG LAN - CTV", [A("Hoàng Lan", role="CTV")]),
    S("CTV TRẦN HẢI", [A("Trần Hải", role="CTV")]),
    # A caption before a photo credit is not a signature: its subject is no author.
    S("Thượng úy QNCN Lê Văn Tuấn. Ảnh: HOÀNG SƠN", [A("Hoàng Sơn", role="Ảnh")]),
    # The signature glued to the last sentence of the body.
    S("Các em học sinh vui vẻ tham gia hội trại. Kim Nga", [A("Kim Nga")]),
    S("(Lê Thắng)", [A("Lê Thắng")]),
    # -- sources: outlets and agencies under their usual names --------------------------------
    S("Mạnh Khánh (TTXVN)", [A("Mạnh Khánh")], "TTXVN"),
    S("MINH ĐỨC/TTXVN", [A("Minh Đức")], "TTXVN"),
    S("Hoàng Hà/VOV-Tây Bắc", [A("Hoàng Hà")], "VOV-Tây Bắc"),
    S("Theo TTXVN", [], "TTXVN"),
    S("Nguồn: VOV", [], "VOV"),
    S("Theo báo Nhân Dân", [], "Báo Nhân Dân"),
    S("Theo QĐND", [], "Báo Quân đội nhân dân"),
    S("Theo Tạp chí Tuyên giáo", [], "Tạp chí Tuyên giáo"),
    S("Quang Phong\nNguồn tin: http://dantri.com.vn", [A("Quang Phong")], "Dân trí"),
    S("Nguồn Đồng Nai: http://baodongnai.com.vn/tin/123", [], "Báo Đồng Nai"),
    S("Minh Hà\nTNO", [A("Minh Hà")], "Thanh Niên"),
    S("Nam Quỳnh – Luật Khoa tạp chí |", [A("Nam Quỳnh")], "Luật Khoa tạp chí"),
    S("Hoàng Anh - Báo Hà Giang", [A("Hoàng Anh")], "Báo Hà Giang"),
    S("Báo Sơn La", [], "Báo Sơn La"),
    S("BÁO HÀ GIANG ĐIỆN TỬ", [], "Báo Hà Giang điện tử"),
    S("Thực hiện: BÁO LÀO CAI ĐIỆN TỬ", [], "Báo Lào Cai điện tử"),
    S("T/ h: Đài PT-TH Hải Dương", [], "Đài PT-TH Hải Dương"),
    S("Tin, ảnh: TTXVN", [], "TTXVN"),
    S("(HNM) -", [], "Hànộimới"),
    S("QPTD -Thứ Ba, 07/06/2022, 09:12 (GMT+7)", [], "Tạp chí Quốc phòng toàn dân"),
    S("Báo Quân Đội Nhân Dân Báo Quân Đội Nhân Dân 12 giờ", [], "Báo Quân đội nhân dân"),
    # -- the paper's staff: never an author -------------------------------------------------
    S("PV", [], kind="staff"),
    S("P.V.", [], kind="staff"),
    S("Nhóm PV Thời sự", [], kind="staff"),
    S("PV (Theo TTXVN)", [], "TTXVN", kind="staff"),
    S("PV Xamer", [], "Xamer", kind="staff"),
    S("BBT, ảnh Kim Anh", [A("Kim Anh", role="Ảnh")]),
    # -- organizations credited instead of a person -------------------------------------------
    S(
        "Trung tâm Văn hóa - Thể thao quận Hà Đông",
        [],
        organization="Trung tâm Văn hóa - Thể thao quận Hà Đông",
        kind="organization",
    ),
    S("HỘI NHÀ VĂN", [], organization="Hội Nhà Văn", kind="organization"),
    # -- time stamps and date lines come off -------------------------------------------------------
    S("Chí Kiên - Nguyên Hoa| 18/12/2016 06:44", [A("Chí Kiên"), A("Nguyên Hoa")]),
    S("Tuấn Điệp 04/07/2023 - 16:45", [A("Tuấn Điệp")]),
    S("PV 16:11 31/12/2025", [], kind="staff"),
    S("22/9/2018\nNguyễn Thanh Tình", [A("Nguyễn Thanh Tình")]),
    S("Thanh Hà | Cập nhật: 10:30 25/03/2024", [A("Thanh Hà")]),
    # -- names that look like words, words that look like names ------------------------------
    S("ĐOÀN PHÚ", [A("Đoàn Phú")]),
    S("TRƯỜNG SINH", [A("Trường Sinh")]),
    S("Phó Đức Phương", [A("Phó Đức Phương")]),
    # -- what it cannot place, it says so ------------------------------------------------------
    S("Ảnh: Internet", [], kind=None),
    S("NGƯỜI XÂY DỰNG", [], kind=None, status="unparsed"),
    S("Kỳ 2: Những người lính trên mặt trận mới", [], kind=None, status="unparsed"),
    S("Minh Hà\nKsor H'Bơ", [A("Minh Hà")], status="partial"),
]


@pytest.mark.parametrize(
    ("raw", "authors", "source", "organization", "kind", "status"),
    CASES,
    ids=[c[0][:40] for c in CASES],
)
def test_parse_signature(
    raw: str,
    authors: list[dict[str, Any]],
    source: str | None,
    organization: str | None,
    kind: str | None,
    status: str,
) -> None:
    signature = parse_signature(raw)
    assert signature.authors_as_dicts() == authors
    assert signature.source == source
    assert signature.organization == organization
    assert signature.byline_kind == kind
    assert signature.status == status


def test_no_signature_has_no_status() -> None:
    assert parse_signature(None).status is None
    assert parse_signature("").status is None
    assert parse_signature("").byline_kind is None


@pytest.mark.parametrize(
    "rank",
    [
        "Đại tướng",
        "Thượng tướng",
        "Trung tướng",
        "Thiếu tướng",
        "Đại tá",
        "Thượng tá",
        "Trung tá",
        "Thiếu tá",
        "Đại úy",
        "Thượng úy",
        "Trung úy",
        "Thiếu úy",
        "Đại uý",
        "Thượng uý",
        "Trung uý",
        "Thiếu uý",
    ],
)
def test_every_rank_in_both_spellings(rank: str) -> None:
    (author,) = parse_signature(f"{rank} PHẠM VĂN KHOA").authors
    assert author.name == "Phạm Văn Khoa"
    assert author.rank == rank.replace("uý", "úy")


@pytest.mark.parametrize(
    ("paragraphs", "body_len", "signature"),
    [
        (
            ["Thân bài dài.", "Trần Minh Khôi, Thành ủy viên,", "Bí thư Quận ủy"],
            1,
            ["Trần Minh Khôi, Thành ủy viên,", "Bí thư Quận ủy"],
        ),
        (["Thân bài.", "Hội nghị kết thúc tốt đẹp."], 2, []),  # a sentence, not an author
        (["Thân bài.", "Hội nghị kết thúc tốt đẹp.", "MINH HIẾU"], 2, ["MINH HIẾU"]),
        (["Thân bài.", "Theo TTXVN"], 1, ["Theo TTXVN"]),
        (["Thân bài.", "Báo Sơn La"], 1, ["Báo Sơn La"]),
        (["Thân bài.", "PV"], 1, ["PV"]),
        (["Đại tá NGUYỄN VĂN A"], 0, ["Đại tá NGUYỄN VĂN A"]),
        (["Thân bài.", "Hà Nội, ngày 20 tháng 11 năm 2018"], 2, []),  # a place and date
        (["Thân bài.", "Tổ quốc ghi công"], 2, []),
        ([], 0, []),
    ],
)
def test_split_signature(paragraphs: list[str], body_len: int, signature: list[str]) -> None:
    body, found = split_signature(paragraphs)
    assert len(body) == body_len
    assert found == signature


def test_a_signature_glued_to_the_last_sentence_is_split_off() -> None:
    body, found = split_signature(
        ["Mở đầu.", "Các em học sinh vui vẻ tham gia hội trại trong hai ngày. Kim Nga"]
    )
    assert body == ["Mở đầu.", "Các em học sinh vui vẻ tham gia hội trại trong hai ngày."]
    assert found == ["Kim Nga"]
    # A last sentence that ends in a place is left alone: it is no name.
    text = "Đoàn công tác đã đến thăm và làm việc tại xã vùng cao. Sáng nay trời mưa"
    assert split_signature(["Mở đầu.", text]) == (["Mở đầu.", text], [])


def test_normalizer_fills_every_signature_field_from_signature_raw() -> None:
    item: dict[str, Any] = {
        "signature_raw": "Đại tá NGUYỄN VĂN A - Chính ủy Sư đoàn 301\n",
        "authors": [],
        "author": None,
        "position": None,
        "source": None,
        "organization": None,
        "byline_kind": None,
        "signature_status": None,
    }
    assert set(normalize_signature(item)) == {
        "authors",
        "author",
        "position",
        "byline_kind",
        "signature_status",
    }
    assert item["author"] == "Nguyễn Văn A"
    assert item["position"] == "Chính ủy Sư đoàn 301"
    assert (item["byline_kind"], item["signature_status"]) == ("person", "parsed")
    item["signature_raw"] = "PV"
    normalize_signature(item)
    assert (item["author"], item["position"], item["byline_kind"]) == (None, None, "staff")


@pytest.mark.parametrize(
    ("word", "syllable"),
    [
        ("Nguyễn", True),
        ("Khoắng", True),
        ("Quỳnh", True),
        ("Huyền", True),
        ("NGHIÊM", True),
        ("Xamer", False),
        ("TTXVN", False),
        ("Ksor", False),
    ],
)
def test_vietnamese_syllables(word: str, syllable: bool) -> None:
    assert is_vietnamese_syllable(word) is syllable


def test_vocabulary_lookups_fold_case_and_tone_style() -> None:
    assert fold("Thành Uỷ") == fold("thành ủy")
    assert known_outlet("qđnd online") == "Báo Quân đội nhân dân"
    assert known_outlet("Báo Không Có") is None


# -- guards: each row kills a mutant that survived the suite (issue 22) ------------------------
# Kept apart from CASES so a row says which mistake it stands against.
GUARDS = [
    # A one-digit hour in a credit line is a time stamp, not part of the name.
    S("MINH HÀ 8:15 20/11/2018", [A("Minh Hà")]),
    # A rank written in capitals is re-cased like the name ("ĐẠI TÁ", not kept in capitals).
    S("ĐẠI TÁ NGUYỄN VĂN A", [A("Nguyễn Văn A", rank="Đại tá")]),
    S("THƯỢNG UÝ TRẦN VĂN B", [A("Trần Văn B", rank="Thượng úy")]),
    # "PGS, TSKH" written apart is still the one title "PGS.TSKH".
    S("PGS, TSKH NGUYỄN VĂN B", [A("Nguyễn Văn B", academic_title="PGS.TSKH")]),
    # With two sources the first one named is the source, not the last.
    S("Mạnh Khánh (TTXVN)\nTheo VOV", [A("Mạnh Khánh")], "TTXVN"),
    S("Theo TTXVN\nNguồn: VOV", [], "TTXVN"),
    # A one-word outlet of four letters that is no Vietnamese word is a brand, a source.
    S("Minh Hà (Xamo)", [A("Minh Hà")], "Xamo"),
    S("PV Xamo", [], "Xamo", kind="staff"),
    # A position written before the name is that person's, not dropped.
    S(
        "Đại tá, Chính ủy Lữ đoàn 201, NGUYỄN VĂN A",
        [A("Nguyễn Văn A", rank="Đại tá", position="Chính ủy Lữ đoàn 201")],
    ),
]


@pytest.mark.parametrize(
    ("raw", "authors", "source", "organization", "kind", "status"),
    GUARDS,
    ids=[c[0][:40] for c in GUARDS],
)
def test_parse_signature_guards(
    raw: str,
    authors: list[dict[str, Any]],
    source: str | None,
    organization: str | None,
    kind: str | None,
    status: str,
) -> None:
    test_parse_signature(raw, authors, source, organization, kind, status)


@pytest.mark.parametrize(
    "raw", ["MINH HIẾU - MINH HIẾU", "Bài: MINH HIẾU - Ảnh: MINH HIẾU", "Minh Hiếu\nMINH HIẾU"]
)
def test_a_person_named_twice_is_one_author(raw: str) -> None:
    assert [a.name for a in parse_signature(raw).authors] == ["Minh Hiếu"]


def test_a_signature_of_three_paragraphs_is_split_off_whole() -> None:
    rank, position, unit = "Đại tá NGUYỄN VĂN A", "Phó Chính ủy", "Bộ Tư lệnh Thủ đô Hà Nội"
    assert split_signature(["Thân bài dài.", rank, position, unit]) == (
        ["Thân bài dài."],
        [rank, position, unit],
    )
    # Three lines at most: a fourth short line above them stays in the body.
    assert split_signature(["Thân bài dài.", "MINH HIẾU", rank, position, unit]) == (
        ["Thân bài dài.", "MINH HIẾU"],
        [rank, position, unit],
    )


def test_a_glued_signature_keeps_every_paragraph_before_it() -> None:
    first = "Đoạn mở đầu của bài viết nói về hội trại của các em."
    second = "Đoạn thứ hai kể lại các hoạt động trong ngày đầu tiên."
    last = "Các em học sinh vui vẻ tham gia hội trại trong hai ngày."
    assert split_signature([first, second, f"{last} Kim Nga"]) == (
        [first, second, last],
        ["Kim Nga"],
    )


@pytest.mark.parametrize("line", ["(BBT)", "(PV)", "Minh Hà (BBT)", "(CTV)"])
def test_a_staff_credit_in_brackets_is_staff_not_an_agency(line: str) -> None:
    """Issue 22: "(BBT)", the editorial board, was read as an agency's abbreviation."""
    signature = parse_signature([line])
    assert signature.source is None
    assert signature.staff is True
