from __future__ import annotations

import re
import unicodedata

import pytest

from qptd_spider.normalize.text import (
    clean_metadata,
    clean_whitespace,
    join_clean,
    name_case,
    old_style_tones,
    split_dateline,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thành uỷ viên", "Thành ủy viên"),
        ("Quận uỷ", "Quận ủy"),
        ("hoà bình", "hòa bình"),
        ("khoẻ mạnh", "khỏe mạnh"),
        ("Thuỵ", "Thụy"),
        ("HOÀ", "HÒA"),
        ("quý", "quý"),  # "qu" is a consonant: the mark stays on y in both styles
        ("hoàng", "hoàng"),  # closed syllable: same in both styles
        ("thuyền", "thuyền"),
        ("khuỷu", "khuỷu"),
        ("lửa", "lửa"),
        ("Thành ủy viên", "Thành ủy viên"),
    ],
)
def test_old_style_tones(text: str, expected: str) -> None:
    assert old_style_tones(text) == expected


def test_decomposed_input_comes_out_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Thành uỷ viên")
    assert clean_metadata(decomposed) == "Thành ủy viên"
    assert unicodedata.is_normalized("NFC", clean_whitespace(decomposed))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  a\u00a0b  ", "a b"),
        ("a\u200bb", "ab"),
        ("a\ufeff b\u2009c\n\td", "a b c d"),
        ("\u00a0", ""),
    ],
)
def test_clean_whitespace(text: str, expected: str) -> None:
    assert clean_whitespace(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ho\u200b\u0300a",  # a zero-width space between a letter and its tone mark
        "Ho\u00ad\u0300a",  # a soft hyphen there
        "Ho\ufeff\u200d\u0300a",
    ],
)
def test_zero_width_between_a_letter_and_its_mark_still_gives_nfc(text: str) -> None:
    # Issue 22, point 8: NFC used to run before the zero-width characters went, leaving
    # "o" + U+0300 decomposed once they were removed.
    assert clean_whitespace(text) == "H\u00f2a"
    assert join_clean([text, "b"]) == "H\u00f2a b"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NGUYỄN VĂN A", "Nguyễn Văn A"),
        ("Q.LÂM", "Q.Lâm"),  # initials kept as written, only the rest re-cased
        ("Q. LÂM", "Q. Lâm"),
        ("NG.HƯƠNG", "NG.Hương"),
        ("T.H.", "T.H."),
        ("AX", "AX"),  # initials alone: no Vietnamese syllable, kept
        ("MINH HIẾU", "Minh Hiếu"),
        ("Nguyễn Xuân Lưu", "Nguyễn Xuân Lưu"),
        ("PV", "PV"),
        ("ĐẶNG THỊ THỦY", "Đặng Thị Thủy"),
    ],
)
def test_name_case(name: str, expected: str) -> None:
    assert name_case(name) == expected


@pytest.mark.parametrize(
    ("lead", "dateline", "rest"),
    [
        ("QPTĐ-Chiều 10-12, Bộ Tư lệnh", "QPTĐ", "Chiều 10-12, Bộ Tư lệnh"),
        ("QPTĐ - Sáng 9-12", "QPTĐ", "Sáng 9-12"),
        ("QPTĐ–Sáng 9-12", "QPTĐ", "Sáng 9-12"),
        ("Sáng 9-12, quận Ba Đình", None, "Sáng 9-12, quận Ba Đình"),
    ],
)
def test_split_dateline(lead: str, dateline: str | None, rest: str) -> None:
    assert split_dateline(lead) == (dateline, rest)


def test_clean_whitespace_treats_exactly_the_unicode_spaces_as_space() -> None:
    spaces = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
    zero_width = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        got = clean_whitespace(f"a{ch}{ch}b")
        if spaces.match(ch):
            assert got == "a b", hex(code)
        elif ch in zero_width:
            assert got == "ab", hex(code)
        else:
            assert got == unicodedata.normalize("NFC", f"a{ch}{ch}b"), hex(code)
