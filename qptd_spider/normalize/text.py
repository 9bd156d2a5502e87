"""Vietnamese text normalization: Unicode form, white space, tone-mark placement, name case."""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters and the BOM: invisible, but they split words for every tool.
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# Tone marks as combining characters (NFD): grave, acute, hook above, tilde, dot below.
_TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"
# New style puts the tone on the second vowel of an open "oa", "oe", "uy" syllable
# ("hoà", "khoẻ", "thuỷ"); the portal mostly writes the old style ("hòa", "khỏe", "thủy").
# "qu" is a consonant, so "quý" keeps its mark on "y" in both styles: skip after q.
_NEW_STYLE = re.compile(rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONE_MARKS}])(?![^\W\d_])")
_VALID_PAIRS = {"oa", "oe", "uy"}


def clean_whitespace(text: str) -> str:
    """NFC, zero-width characters removed, every run of white space made one space, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    # str.split() splits on every Unicode space (non-breaking, narrow, ideographic... which
    # the CMS editor leaves in text): the same set as regex \s, at a third of the cost.
    return " ".join(text.split())


def _move_tone(match: re.Match[str]) -> str:
    first, second, mark = match.group(1), match.group(2), match.group(3)
    if (first + second).lower() not in _VALID_PAIRS:
        return match.group(0)
    return first + mark + second


def old_style_tones(text: str) -> str:
    """Unify tone placement to the old style (``uỷ`` → ``ủy``, ``hoà`` → ``hòa``), NFC out.

    Only open syllables ending in oa/oe/uy change; "quý", "hoàng", "thuyền" keep their form.
    """
    decomposed = unicodedata.normalize("NFD", text)
    # In NFD a vowel with a hat or horn carries that mark before the tone; the pairs here
    # are plain letters followed directly by a tone mark, which is what the pattern sees.
    moved = _NEW_STYLE.sub(_move_tone, decomposed)
    return unicodedata.normalize("NFC", moved)


def clean_metadata(text: str | None) -> str | None:
    """Normalization for metadata fields (names, positions, titles, categories)."""
    if text is None:
        return None
    cleaned = old_style_tones(clean_whitespace(text))
    return cleaned or None


# Staff bylines and agencies written in capitals that are not names.
ABBREVIATIONS = frozenset({"PV", "CTV", "BTV", "NV", "TTXVN", "TTX", "VNA", "QPTĐ", "QĐND", "UBND"})


def _is_upper_word(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def name_case(name: str) -> str:
    """Vietnamese name capitalization for names written in capitals.

    ``NGUYỄN VĂN A`` → ``Nguyễn Văn A``; ``Q.LÂM`` → ``Q. Lâm`` (initials kept, a space after
    the dot). Names already in mixed case are left as written.
    """
    name = clean_whitespace(name)
    name = re.sub(r"(?<=\w)\.(?=\w)", ". ", name)
    words = name.split(" ")
    if not any(_is_upper_word(w) and len([c for c in w if c.isalpha()]) > 1 for w in words):
        return name
    return " ".join(
        w[:1].upper() + w[1:].lower() if _is_upper_word(w) and w not in ABBREVIATIONS else w
        for w in words
    )


# "QPTĐ-Sáng 9-12, ..." and "QPTĐ - Sáng ...": the paper's dateline opens most leads.
_DATELINE = re.compile(r"^\s*(?P<dateline>QPTĐ|QPTD|\(?QPTĐ\)?)\s*[-–—:]\s*")


def split_dateline(lead: str) -> tuple[str | None, str]:
    """(dateline marker, lead without it) for a lead such as ``QPTĐ-Chiều 10-12, ...``."""
    lead = unicodedata.normalize("NFC", lead)
    match = _DATELINE.match(lead)
    if not match:
        return None, lead
    return match.group("dateline").strip("()"), lead[match.end() :]
