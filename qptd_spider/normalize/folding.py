"""Vietnamese text folded for comparison: the one home of every way the product decides that
two writings are the same word.

- ``fold``: the key every lookup uses (vocabulary, furniture, disclaimers, the people of the
  dataset): Unicode NFC, white space squeezed, case folded, tone marks in the old style
  (``Thành Uỷ`` and ``thành ủy`` are one key). Letters and accents are kept: ``Hòa`` and
  ``Hoa`` are different names.
- ``ascii_fold``: ``fold`` without any diacritic, ``đ`` as ``d``: the key of writings that
  differ in accents only (``Nguyễn Văn Hòa`` / ``Nguyen Van Hoa``, an outlet's name and its
  domain).
- ``without_tones``: a word without its five tone marks, other marks kept (``Nguyễn`` →
  ``Nguyên``): what the shape of a Vietnamese syllable is checked on.
- ``old_style_tones``: the tone-style unification itself, also used to normalize metadata
  fields (``text.clean_metadata``); ``new_style_tones`` its inverse, for the patterns built
  from the vocabulary (``vocabulary.spelling_pattern``).

The evaluation harness keeps its own comparison folding on purpose: it must not agree with
the parser by construction.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Tone marks as combining characters (NFD): grave, acute, hook above, tilde, dot below.
TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"
_TONE_MARK_SET = frozenset(TONE_MARKS)

# New style puts the tone on the second vowel of an open "oa", "oe", "uy" syllable
# ("hoà", "khoẻ", "thuỷ"); the portal mostly writes the old style ("hòa", "khỏe", "thủy").
# "qu" is a consonant, so "quý" keeps its mark on "y" in both styles: skip after q.
# The tone must be the vowel's only mark: in NFD a dot below comes before a hat or breve
# ("ậ" is a, dot below, hat), and "oậ" is no old-style pair.
_NEW_STYLE = re.compile(rf"(?<![qQ])([oOuU])([aAeEyY])([{TONE_MARKS}])(?![^\W\d_]|[\u0300-\u036f])")
_VALID_PAIRS = {"oa", "oe", "uy"}
# The same place in NFC: o or u before a, e or y carrying a tone (a composed letter). Text
# without one has nothing to move, and most text has none: it skips two normalizations.
_NEW_STYLE_CANDIDATE = re.compile(
    "[oOuU]["
    + "".join(unicodedata.normalize("NFC", v + t) for v in "aAeEyY" for t in TONE_MARKS)
    + "]"
)


def nfc(text: str) -> str:
    """``text`` in Unicode NFC (checking is cheaper than normalizing text already in NFC)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


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


# The inverse, for patterns that must match both styles: an open "oa", "oe", "uy" with its
# tone on the first vowel (the tone its only mark, as above).
_OLD_STYLE = re.compile(rf"(?<![qQ])([oOuU])([{TONE_MARKS}])([aAeEyY])(?![^\W\d_]|[\u0300-\u036f])")


def new_style_tones(text: str) -> str:
    """The new tone style of ``text`` (``ủy`` → ``uỷ``, ``hòa`` → ``hoà``), NFC out: the
    other spelling a pattern of the vocabulary (written in the old style) must match."""
    decomposed = unicodedata.normalize("NFD", text)

    def move(match: re.Match[str]) -> str:
        first, mark, second = match.groups()
        if (first + second).lower() not in _VALID_PAIRS:
            return match.group(0)
        return first + second + mark

    return unicodedata.normalize("NFC", _OLD_STYLE.sub(move, decomposed))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, spacing- and tone-style-insensitive key of a word or phrase."""
    return old_style_tones(" ".join(nfc(text).split()).casefold())


def ascii_fold(text: str) -> str:
    """``fold`` without diacritics, ``đ`` as ``d``: ``Nguyễn Văn Đức`` → ``nguyen van duc``.

    NFKD, so compatibility forms (full-width letters, ligatures) are their plain letters."""
    decomposed = unicodedata.normalize("NFKD", fold(text).replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def without_tones(word: str) -> str:
    """``word`` without its tone marks, its other marks kept (``Nguyễn`` → ``Nguyên``), NFC."""
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARK_SET))
