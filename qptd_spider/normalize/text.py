"""Vietnamese text normalization: Unicode form, white space, tone-mark placement, name case."""

from __future__ import annotations

import re
import unicodedata

from .vocabulary import INITIAL_PATTERN, is_vietnamese_syllable

# Zero-width characters and the BOM: invisible, but they split words for every tool.
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

# Tone marks as combining characters (NFD): grave, acute, hook above, tilde, dot below.
_TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"
# New style puts the tone on the second vowel of an open "oa", "oe", "uy" syllable
# ("hoà", "khoẻ", "thuỷ"); the portal mostly writes the old style ("hòa", "khỏe", "thủy").
# "qu" is a consonant, so "quý" keeps its mark on "y" in both styles: skip after q.
# The tone mark must end the vowel: in NFD a dot below sorts before a hat or breve
# ("ặ" is a, dot, breve), and "hoặc", "oệ" are no plain "oa", "oe".
_NEW_STYLE = re.compile(
    rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONE_MARKS}])(?![\u0300-\u036f])(?![^\W\d_])"
)
_VALID_PAIRS = {"oa", "oe", "uy"}
# The same place in NFC: o or u before a, e or y carrying a tone (a composed letter). Text
# without one has nothing to move, and most text has none: it skips two normalizations.
_NEW_STYLE_CANDIDATE = re.compile(
    "[oOuU]["
    + "".join(unicodedata.normalize("NFC", v + t) for v in "aAeEyY" for t in _TONE_MARKS)
    + "]"
)


def nfc(text: str) -> str:
    """``text`` in Unicode NFC (checking is cheaper than normalizing text already in NFC)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _clean_inside(text: str) -> bool:
    """No white space but single ASCII spaces, no zero-width character (edges aside): Python
    calls every other white space, and every zero-width character, non-printable."""
    return text.isprintable() and "  " not in text


def clean_whitespace(text: str) -> str:
    """NFC, zero-width characters removed, every run of white space made one space, trimmed."""
    if not text.isprintable():
        # Before NFC: a zero-width character between a letter and its combining mark
        # ("o\u200b\u0300") keeps them apart until it is gone.
        if _ZERO_WIDTH.search(text):
            text = _ZERO_WIDTH.sub("", text)
        # The non-breaking space is the one the CMS editor leaves most; replacing it is far
        # cheaper than splitting the text into words.
        text = text.replace("\xa0", " ")
    # Spaces (and the line breaks split() removes below) are starters no composition
    # begins or ends with: NFC here is the NFC of the result.
    text = nfc(text)
    # Text clean inside only needs trimming. Most text is (the page parser cleaned it;
    # normalizers and re-parses see it again).
    if _clean_inside(text):
        return text.strip(" ")
    # str.split() splits on every Unicode space (narrow, ideographic, line breaks...): the
    # same set as regex \s, at a third of the cost.
    return " ".join(text.split())


def join_clean(pieces: list[str]) -> str:
    """``clean_whitespace(" ".join(pieces))``, for the text nodes of an element.

    Text nodes are mostly clean inside and only carry spaces at their edges (which the join
    doubles): trimming each and joining the non-empty ones gives the same text at a third of
    the cost, and only a node with other white space or zero-width characters is cleaned
    word by word. A space is a starter no canonical composition begins with, so NFC of the
    whole equals its pieces' NFC joined by spaces.
    """
    if all(_clean_inside(piece) for piece in pieces):
        return nfc(" ".join(trimmed for piece in pieces if (trimmed := piece.strip(" "))))
    cleaned = (
        nfc(piece.strip(" "))
        if _clean_inside(piece)
        # Cleaned alone: what the join would do to it, spaces around it being separators.
        else clean_whitespace(piece)
        for piece in pieces
    )
    return " ".join(text for text in cleaned if text)


def _move_tone(match: re.Match[str]) -> str:
    first, second, mark = match.group(1), match.group(2), match.group(3)
    if (first + second).lower() not in _VALID_PAIRS:
        return match.group(0)
    return first + mark + second


def old_style_tones(text: str) -> str:
    """Unify tone placement to the old style (``uỷ`` → ``ủy``, ``hoà`` → ``hòa``), NFC out.

    Only open syllables ending in oa/oe/uy change; "quý", "hoàng", "thuyền" keep their form.
    """
    text = nfc(text)
    if not _NEW_STYLE_CANDIDATE.search(text):
        return text
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


_NAME_WORD = re.compile(rf"^(?P<initials>(?:{INITIAL_PATTERN})*)(?P<rest>.*)$")


def name_case(name: str) -> str:
    """Vietnamese capitalization for the words of a name written in capitals.

    ``NGUYỄN VĂN A`` → ``Nguyễn Văn A``; ``T.NHÀN`` → ``T.Nhàn``: initials stay as written
    (dots and spaces), so the name can be found again on the page. Words in capitals that
    are no Vietnamese syllable are abbreviations or initials and stay: ``PV``, ``AX``.
    Words already in mixed case are left as written.
    """
    out = []
    for word in clean_whitespace(name).split(" "):
        m = _NAME_WORD.match(word)
        assert m is not None  # the pattern matches every string
        initials, rest = m.group("initials"), m.group("rest")
        letters = "".join(c for c in rest if c.isalpha())
        if len(letters) > 1 and rest.isupper() and is_vietnamese_syllable(letters):
            rest = rest[:1].upper() + rest[1:].lower()
        out.append(initials + rest)
    return " ".join(out)


# "QPTĐ-Sáng 9-12, ..." and "QPTĐ - Sáng ...": the paper's dateline opens most leads.
_DATELINE = re.compile(r"^\s*(?P<dateline>QPTĐ|QPTD|\(?QPTĐ\)?)\s*[-–—:]\s*")


def split_dateline(lead: str) -> tuple[str | None, str]:
    """(dateline marker, lead without it) for a lead such as ``QPTĐ-Chiều 10-12, ...``."""
    lead = nfc(lead)
    match = _DATELINE.match(lead)
    if not match:
        return None, lead
    return match.group("dateline").strip("()"), lead[match.end() :]
