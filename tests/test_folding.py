"""Folding Vietnamese text for comparison: one module (``normalize/folding.py``), one table of
writings per function. Every other module of the product folds through it (issue 23)."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest

from qptd_spider.normalize.folding import (
    ascii_fold,
    fold,
    new_style_tones,
    old_style_tones,
    without_tones,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Thành Uỷ", "thành ủy"),
        ("thành ủy", "thành ủy"),
        ("  Hoà   bình ", "hòa bình"),
        ("KHOẺ", "khỏe"),
        ("Thiếu uý", "thiếu úy"),
        ("Quý", "quý"),  # "qu" is a consonant: no tone to move
        ("Hoàng", "hoàng"),  # a closed syllable has one style
        ("Thuyền", "thuyền"),
        ("Nguyễn\u00a0Văn\tA", "nguyễn văn a"),
        (unicodedata.normalize("NFD", "Đại úy"), "đại úy"),
        ("ĐẶNG", "đặng"),
        ("Hòa", "hòa"),
        ("Hoa", "hoa"),
        ("", ""),
    ],
)
def test_fold(text: str, key: str) -> None:
    assert fold(text) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("NGUYỄN  VĂN ĐỨC", "nguyen van duc"),
        ("Thành Uỷ", "thanh uy"),
        ("Quảng Ngãi", "quang ngai"),
        ("Ｈà Nội", "ha noi"),  # a full-width letter is its plain letter
        ("baoquangngai.vn", "baoquangngai.vn"),
    ],
)
def test_ascii_fold(text: str, key: str) -> None:
    assert ascii_fold(text) == key


@pytest.mark.parametrize(
    ("word", "bare"),
    [
        ("Nguyễn", "Nguyên"),
        ("hoà", "hoa"),
        ("Đặng", "Đăng"),
        ("ưởng", "ương"),
        ("Minh", "Minh"),
    ],
)
def test_without_tones(word: str, bare: str) -> None:
    assert without_tones(word) == bare


@pytest.mark.parametrize(
    ("text", "old"),
    [
        ("Thành uỷ viên", "Thành ủy viên"),
        ("hoà bình", "hòa bình"),
        ("quý", "quý"),
        ("thuở", "thuở"),
        ("hoàng", "hoàng"),
    ],
)
def test_old_style_tones(text: str, old: str) -> None:
    assert old_style_tones(text) == old


@pytest.mark.parametrize(
    ("text", "new"),
    [
        ("Thành ủy viên", "Thành uỷ viên"),
        ("hòa bình", "hoà bình"),
        ("Thiếu úy", "Thiếu uý"),
        ("quý", "quý"),
        ("hoàng", "hoàng"),
        ("thuở", "thuở"),
    ],
)
def test_new_style_tones_is_the_inverse_on_open_syllables(text: str, new: str) -> None:
    assert new_style_tones(text) == new
    assert old_style_tones(new) == text


# The product's modules that may fold text themselves: this one. The harness is not the
# product and keeps its own folding on purpose.
_FOLDING_CALLS = {"casefold", "normalize", "maketrans", "translate"}


def test_the_product_folds_in_one_module() -> None:
    folders = []
    for path in sorted((ROOT / "qptd_spider").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in _FOLDING_CALLS:
                folders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
            if isinstance(node, ast.Constant) and node.value in ("đ", "Đ"):
                folders.append(f"{path.relative_to(ROOT)}:{node.lineno} đ")
    assert [f for f in folders if not f.startswith("qptd_spider/normalize/folding.py")] == []


def test_the_harness_does_not_fold_with_the_product() -> None:
    """The evaluation compares with its own folding: the product's would make them agree."""
    imported = []
    for path in sorted((ROOT / "harness").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qptd_spider"):
                names = {a.name for a in node.names}
                if "folding" in (node.module or "") or names & {"fold", "ascii_fold", "folding"}:
                    imported.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert imported == []
