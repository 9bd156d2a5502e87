"""Signatures → authors: the forms of docs/PORTAL.md, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from qptd_spider.normalize.article import normalize_signature
from qptd_spider.normalize.signature import parse_signature, split_signature


def A(name: str, **kw: Any) -> dict[str, Any]:  # noqa: N802 - reads like a table row
    return {
        "name": name,
        "rank": None,
        "academic_title": None,
        "position": None,
        "role": None,
        **kw,
    }


CASES: list[tuple[str, list[dict[str, Any]], str | None]] = [
    (
        "Nguyễn Xuân Lưu, Thành ủy viên,\nBí thư Quận ủy, Chủ tịch UBND quận Thanh Xuân",
        [
            A(
                "Nguyễn Xuân Lưu",
                position="Thành ủy viên, Bí thư Quận ủy, Chủ tịch UBND quận Thanh Xuân",
            )
        ],
        None,
    ),
    (
        "Thượng tướng, Viện sĩ, Tiến sĩ NGUYỄN HUY HIỆU",
        [A("Nguyễn Huy Hiệu", rank="Thượng tướng", academic_title="Viện sĩ, Tiến sĩ")],
        None,
    ),
    (
        "Đại tá NGUYỄN VĂN A - Chính ủy Bộ Tư lệnh Thủ đô Hà Nội",
        [A("Nguyễn Văn A", rank="Đại tá", position="Chính ủy Bộ Tư lệnh Thủ đô Hà Nội")],
        None,
    ),
    (
        "Đại tá NGUYỄN VĂN A\nChính ủy Bộ Tư lệnh Thủ đô Hà Nội",
        [A("Nguyễn Văn A", rank="Đại tá", position="Chính ủy Bộ Tư lệnh Thủ đô Hà Nội")],
        None,
    ),
    (
        "Thượng uý TRẦN VĂN B, Bộ CHQS tỉnh Bà Rịa-Vũng Tàu",
        [A("Trần Văn B", rank="Thượng úy", position="Bộ CHQS tỉnh Bà Rịa-Vũng Tàu")],
        None,
    ),
    ("Bài, ảnh: MINH HIẾU", [A("Minh Hiếu", role="Bài, ảnh")], None),
    (
        "Bài, ảnh: MINH HIẾU - NGỌC ANH",
        [A("Minh Hiếu", role="Bài, ảnh"), A("Ngọc Anh", role="Bài, ảnh")],
        None,
    ),
    ("Tin, ảnh: Q.LÂM", [A("Q. Lâm", role="Tin, ảnh")], None),
    ("Bài: NGUYỄN A - Ảnh: TRẦN B", [A("Nguyễn A", role="Bài"), A("Trần B", role="Ảnh")], None),
    (
        "Trung tá TRẦN VĂN C (Bộ CHQS tỉnh Hà Giang)",
        [A("Trần Văn C", rank="Trung tá", position="Bộ CHQS tỉnh Hà Giang")],
        None,
    ),
    ("Mạnh Khánh (TTXVN)", [A("Mạnh Khánh")], "TTXVN"),
    ("Theo TTXVN", [], "TTXVN"),
    ("Nguồn: VOV", [], "VOV"),
    ("NGỌC ANH (tổng hợp)", [A("Ngọc Anh", role="Tổng hợp")], None),
    ("HOÀNG LAN - CTV", [A("Hoàng Lan", role="CTV")], None),
    ("PV", [A("PV")], None),
    (
        "ThS. LÊ THỊ HOA và TS TRẦN VĂN DŨNG",
        [A("Lê Thị Hoa", academic_title="ThS"), A("Trần Văn Dũng", academic_title="TS")],
        None,
    ),
    (
        "PGS.TS NGUYỄN VĂN E, Học viện Chính trị",
        [A("Nguyễn Văn E", academic_title="PGS.TS", position="Học viện Chính trị")],
        None,
    ),
    (
        "Đồng chí Nguyễn Văn F, Ủy viên Ban Thường vụ Thành ủy",
        [A("Nguyễn Văn F", position="Ủy viên Ban Thường vụ Thành ủy")],
        None,
    ),
    (
        "NGUYỄN VĂN H, Bộ Tài nguyên và Môi trường",
        [A("Nguyễn Văn H", position="Bộ Tài nguyên và Môi trường")],
        None,
    ),
    (
        "Thiếu tướng NGUYỄN VĂN B, Nguyên Phó Tư lệnh Quân khu Thủ đô",
        [A("Nguyễn Văn B", rank="Thiếu tướng", position="Nguyên Phó Tư lệnh Quân khu Thủ đô")],
        None,
    ),
    ("", [], None),
]


@pytest.mark.parametrize(("raw", "authors", "source"), CASES, ids=[c[0][:40] for c in CASES])
def test_parse_signature(raw: str, authors: list[dict[str, Any]], source: str | None) -> None:
    signature = parse_signature(raw)
    assert signature.authors_as_dicts() == authors
    assert signature.source == source


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
            ["Thân bài dài.", "Nguyễn Xuân Lưu, Thành ủy viên,", "Bí thư Quận ủy"],
            1,
            ["Nguyễn Xuân Lưu, Thành ủy viên,", "Bí thư Quận ủy"],
        ),
        (["Thân bài.", "Hội nghị kết thúc tốt đẹp."], 2, []),  # a sentence, not an author
        (["Thân bài.", "Hội nghị kết thúc tốt đẹp.", "MINH HIẾU"], 2, ["MINH HIẾU"]),
        (["Thân bài.", "Theo TTXVN"], 1, ["Theo TTXVN"]),
        (["Đại tá NGUYỄN VĂN A"], 0, ["Đại tá NGUYỄN VĂN A"]),
        ([], 0, []),
    ],
)
def test_split_signature(paragraphs: list[str], body_len: int, signature: list[str]) -> None:
    body, found = split_signature(paragraphs)
    assert len(body) == body_len
    assert found == signature


def test_normalizer_fills_author_and_position_from_signature_raw() -> None:
    item: dict[str, Any] = {
        "signature_raw": "Đại tá NGUYỄN VĂN A - Chính ủy Sư đoàn 301\n",
        "authors": [],
        "author": None,
        "position": None,
        "source": None,
    }
    assert set(normalize_signature(item)) == {"authors", "author", "position"}
    assert item["author"] == "Nguyễn Văn A"
    assert item["position"] == "Chính ủy Sư đoàn 301"
    item["signature_raw"] = "MINH HIẾU - NGỌC ANH"
    normalize_signature(item)
    assert item["author"] == "Minh Hiếu; Ngọc Anh"
    assert item["position"] is None
