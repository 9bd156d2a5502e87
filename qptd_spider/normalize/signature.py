"""Signatures (the credit lines at the end of an article) → authors, source, organization.

A QPTĐ signature has no markup of its own: it is the last short paragraph or two of the
body, in many forms (docs/PORTAL.md, "Signatures"):

    Trần Minh Khôi, Thành ủy viên,
    Bí thư Quận ủy, Chủ tịch UBND quận Tây Hồ
    Thượng tướng, Viện sĩ, Tiến sĩ NGUYỄN HUY HIỆU
    Đại tá NGUYỄN VĂN A - Chính ủy Bộ Tư lệnh Thủ đô Hà Nội
    Bài, ảnh: MINH HIẾU - NGỌC ANH          T.Thụ-N.Quang-N.Hậu
    Mạnh Khánh (TTXVN)    Theo TTXVN    PV    Báo Tây Sơn    NGỌC ANH (tổng hợp)

How it reads one: time stamps and URLs come off each line; text glued before a credit (a
caption, the last sentence of the body) is left aside; labels ("Bài, ảnh:", "Thơ",
"Đăng bởi:") cut the text into pieces that own the names after them; each piece is cut into
segments (at commas, dashes, "và", brackets, line breaks) and each segment is classified
with the vocabulary (``vocabulary.py``): a person (ranks and titles first), a position or
unit (attached to the person before it), an outlet or agency (``source``), an organization,
a staff credit. A segment it cannot place is never guessed: it stays only in
``signature_raw`` and the signature's ``status`` says ``partial`` (or ``unparsed`` when
nothing could be placed). Precision first: a wrong name is worse than none.

Names keep their initials as written ("T.Nhàn", "L.Duy", "T.H."): only words in capitals
change case ("NGUYỄN VĂN A" → "Nguyễn Văn A"), so a name can be found again on the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

from ..items import Author
from . import vocabulary as vocab
from .folding import ascii_fold
from .text import clean_metadata, clean_whitespace, name_case

BylineKind = Literal["person", "staff", "organization", "agency"]
Status = Literal["parsed", "partial", "unparsed"]

_UPPER = "A-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ"
_LOWER = "a-zß-öø-ÿđơưạ-ỹ"
# Longest plausible signature line; anything longer is body text.
MAX_SIGNATURE_CHARS = 160
MAX_SIGNATURE_WORDS = 28
MAX_NAME_WORDS = 5
# Finding a signature and parsing it read the same lines and segments (and names recur from
# article to article): the pure helpers below remember their last answers. Bounded, and
# their answers are immutable (tuples, strings), so a caller cannot change a stored one.
_MEMO_SIZE = 4096

# -- patterns ------------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)[^\s)|]+", re.I)
_DATE = r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*(?:19|20)?\d{2}"
_TIMESTAMP = re.compile(
    rf"(?:Cập\s+nhật|Đăng\s+lúc|Ngày\s+đăng|Đăng\s+ngày|Xuất\s+bản|Lúc)\s*:?\s*"
    rf"(?=(?:Thứ|Chủ|ngày|\d))"
    rf"|\(?GMT\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?\)?"
    rf"|(?:Thứ\s+(?:[Hh]ai|[Bb]a|[Tt]ư|[Nn]ăm|[Ss]áu|[Bb]ảy|\d)|Chủ\s+[Nn]hật)\s*,?\s*(?=(?:ngày\s+)?{_DATE})"
    rf"|(?:ngày\s+)?(?<!\d){_DATE}(?!\d)"
    r"|(?<!\d)\d{1,2}\s*[:h]\s*\d{2}(?::\d{2})?(?:\s*(?:AM|PM|SA|CH))?(?!\d)"
    r"|(?<!\w)\d+\s+(?:giây|phút|giờ|ngày|tuần|tháng|năm)(?:\s+trước)?\s*$"
)
# "Hà Nội, ngày 20 tháng 11 năm 2018", "22/9/2018": a place and date line (letters, poems).
_PLACE_DATE_LINE = re.compile(
    r"^(?!.*\b(?:Thứ|Chủ\s+nhật)\b)[^\d]{0,40}?(?:\bngày\s+)?\d{1,2}\s*"
    r"(?:tháng\s+\d{1,2}|[/.-]\s*\d{1,2})(?:\s*(?:năm|[/.-])\s*\d{2,4})?\s*$",
    re.I,
)
_EDGE_JUNK = " \t:;,|-–—•*_"
# A full stop that ends a sentence (not an initial, not "ThS.", "Tp.").
_SENTENCE_CLOSE = re.compile(r"[a-zà-ỹđ]{2}[.!?…]$")
_SENTENCE_END = re.compile(rf"(?<=[^\W\d_]{{2}})[.!?…]\s+(?=[\"“(]?[{_UPPER}])")

_SEPARATORS = re.compile(
    r"(\n|;|,"
    r"|\s+[-–—]+\s*|[-–—]+\s+|[–—]"  # a dash with a space on either side, or a long dash
    rf"|(?<=[{_UPPER}]{{2}})-(?=[{_UPPER}]{{2}})"  # "MẠNH HÙNG-KIM DUNG"
    rf"|(?<=[^\W\d_])-(?=[{_UPPER}]\.)"  # "T.Thụ-N.Quang"
    rf"|(?<=[{_LOWER}])-(?=[{_UPPER}][{_LOWER}])"  # "Huyền-Tiến", "Rịa-Vũng" (see _GLUED)
    r"|\s+(?:và|cùng|&)\s+"
    r"|\([^()]*\)|\[[^\[\]]*\])"
)
_GLUED = "-"
_BRACKETED = re.compile(
    r"\([^()]*\)|\[[^\[\]]*\]"
)  # a hyphen without spaces: joins a unit's name back when no person is before it


def _label_pattern(label: str) -> str:
    """A label's words in either tone style, its separators ("Bài, ảnh", "Bài/ảnh") spaced
    or not."""
    parts = [p for p in re.split(r"\s*([,/+])\s*|\s+", label) if p]
    return r"\s*".join(re.escape(p) if p in ",/+" else vocab.spelling_pattern(p) for p in parts)


def _label_key(text: str) -> str:
    return vocab.fold(re.sub(r"\s*[,/+]\s*|\s+", " ", text))


def _alternation(phrases: Iterable[str]) -> str:
    """Phrases as one regex alternation, longest first, each in any spacing and tone style."""
    return "|".join(vocab.spelling_pattern(p) for p in vocab.longest_first(phrases))


# The patterns and lookups below are built from the vocabulary (``_build_patterns``): no
# word of the vocabulary is written here, so a word added there is read everywhere.
_ABBREVIATED: vocab.PhraseSet
_ROLE_LABEL: re.Pattern[str]
_ROLE_BY_KEY: dict[str, str | None]
_NO_COLON_KEYS: frozenset[str]
_ROLE_AFTER_NAME: dict[str, str]
_ROLE_FROM: re.Pattern[str]
_SOURCE_LINE: re.Pattern[str]
_SOURCE_LABEL_KEYS: tuple[str, ...]
_RANK: re.Pattern[str]
_RANK_BY_KEY: dict[str, str]
_TITLE: re.Pattern[str]
_TITLE_BY_KEY: dict[str, str]
_HONORIFIC: re.Pattern[str]
_SERVICE_STATUS: re.Pattern[str]
_COLLABORATOR: re.Pattern[str]
_OUTLET_LOWERCASE: re.Pattern[str]
_OUTLET_LOWERCASE_BY_KEY: dict[str, str]
_PHOTO_LABEL: re.Pattern[str]


def _photo_labels() -> list[str]:
    """The labels that credit a photo: a role label whose role is a photo's ("Ảnh",
    "Bài, ảnh", "Cụm ảnh của") and a source label of photos ("Nguồn ảnh")."""
    photo = vocab.fold(vocab.PHOTO_ROLE)
    by_role = [k for k, v in vocab.ROLE_LABELS.items() if v and photo in _label_key(v).split()]
    return [*by_role, *(s for s in vocab.SOURCE_LABELS if photo in _label_key(s).split())]


def _build_patterns() -> None:
    global _ABBREVIATED, _ROLE_LABEL, _ROLE_BY_KEY, _NO_COLON_KEYS, _ROLE_AFTER_NAME
    global \
        _ROLE_FROM, \
        _SOURCE_LINE, \
        _SOURCE_LABEL_KEYS, \
        _RANK, \
        _RANK_BY_KEY, \
        _TITLE, \
        _TITLE_BY_KEY, \
        _HONORIFIC
    global _SERVICE_STATUS, _COLLABORATOR, _OUTLET_LOWERCASE, _OUTLET_LOWERCASE_BY_KEY
    global _PHOTO_LABEL
    _ABBREVIATED = vocab.PhraseSet(
        (*(k.replace(".", "") for k in vocab.ACADEMIC_TITLES), *vocab.ABBREVIATIONS)
    )
    _ROLE_LABEL = re.compile(
        r"(?:(?<=^)|(?<=[\s,(\[\-–—|/]))"
        r"(?P<label>"
        + "|".join(_label_pattern(k) for k in vocab.longest_first(vocab.ROLE_LABELS))
        + r")"
        rf"(?:\s*:\s*|\s+(?=[{_UPPER}\d]))",
        re.I,
    )
    _ROLE_BY_KEY = {_label_key(k): v for k, v in vocab.ROLE_LABELS.items()}
    _NO_COLON_KEYS = frozenset(_label_key(k) for k in vocab.LABELS_WITHOUT_COLON)
    _ROLE_AFTER_NAME = {vocab.fold(k): v for k, v in vocab.ROLES_AFTER_NAME.items()}
    _ROLE_FROM = re.compile(
        r"^(?P<role>" + _alternation(vocab.ROLES_AFTER_NAME) + r")\s+(?:từ|theo)\s+(?P<source>.+)$",
        re.I,
    )
    _SOURCE_LINE = re.compile(
        r"^(?P<label>" + _alternation(vocab.SOURCE_LABELS) + r")\b\s*:?\s*(?P<source>.*)$",
        re.I,
    )
    _SOURCE_LABEL_KEYS = tuple(_label_key(s) for s in vocab.SOURCE_LABELS)
    # Ranks in any case and either tone style ("THIẾU UÝ"): kept as the vocabulary writes them.
    _RANK = re.compile(rf"^(?P<rank>{_alternation(vocab.RANKS)})(?![^\W\d_])\.?[\s,]*", re.I)
    _RANK_BY_KEY = {vocab.fold(r): r for r in vocab.RANKS}
    _TITLE = re.compile(
        r"^(?P<title>"
        + "|".join(
            r"\.?\s*".join(vocab.spelling_pattern(p) for p in re.split(r"[.\s]+", t) if p)
            for t in vocab.longest_first(vocab.ACADEMIC_TITLES)
        )
        + r")(?![^\W\d_])\.?[\s,]*",
        re.I,
    )
    _TITLE_BY_KEY = {
        re.sub(r"[.\s]+", "", vocab.fold(k)): v for k, v in vocab.ACADEMIC_TITLES.items()
    }
    _HONORIFIC = re.compile(r"^(?:" + _alternation(vocab.HONORIFICS) + r")\s+(?=\S)", re.I)
    _SERVICE_STATUS = re.compile(r"^(?:" + "|".join(vocab.SERVICE_STATUS) + r")\b[\s,]*")
    _COLLABORATOR = re.compile(
        r"^(?:" + _alternation(vocab.COLLABORATOR_MARKERS) + r")\s+(?=\S)", re.I
    )
    _OUTLET_LOWERCASE = re.compile(
        r"(?<!^)\b(?:" + _alternation(vocab.OUTLET_LOWERCASE) + r")\b", re.I
    )
    _OUTLET_LOWERCASE_BY_KEY = {vocab.fold(w): w for w in vocab.OUTLET_LOWERCASE}
    _PHOTO_LABEL = re.compile(
        r"(?:^|[\s(.\-–—])\(?\s*(?:"
        + "|".join(_label_pattern(k) for k in vocab.longest_first(_photo_labels()))
        + r")(?![^\W\d_])\s*:?\s*",
        re.I,
    )


_build_patterns()


def rebuild() -> None:
    """Rebuild the vocabulary's sets, these patterns, and forget every remembered answer:
    for a vocabulary changed at run time (a test teaching the parser a word)."""
    vocab.rebuild()
    _build_patterns()
    for value in list(globals().values()):
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


# "MINH ĐỨC/TTXVN", "Thanh Tùng/TTXVN": a name and its agency joined by a slash.
_NAME_SLASH = re.compile(r"^(?P<name>[^/]+?)\s*/\s*(?P<agency>[^/]+(?:/[^/\s]+)?)$")
# An initial is a letter or a Vietnamese onset of two or three ("Ng.Hương", "Th.Hằng").
_INITIAL = vocab.INITIAL_PATTERN
_NAME_WORD = re.compile(rf"^(?P<initials>(?:{_INITIAL})*)(?P<rest>[^\W\d_]*(?:'[^\W\d_]+)?)$")


# -- the result ----------------------------------------------------------------------------


@dataclass
class Signature:
    """What a signature says: who wrote the article, for whom, where it came from, and how
    sure the parser is (``status``); ``unplaced`` holds the segments it could not place."""

    authors: list[Author] = field(default_factory=list)
    source: str | None = None
    organization: str | None = None
    staff: bool = False
    unplaced: list[str] = field(default_factory=list)
    had_text: bool = False
    credits_no_one: bool = False  # "Ảnh: Internet": understood, and it names no one

    @property
    def is_empty(self) -> bool:
        return not (self.authors or self.source or self.organization or self.staff)

    @property
    def byline_kind(self) -> BylineKind | None:
        """Who is credited: people, the paper's staff, an organization, or an agency."""
        if self.authors:
            return "person"
        if self.staff:
            return "staff"
        if self.organization:
            return "organization"
        if self.source:
            return "agency"
        return None

    @property
    def status(self) -> Status | None:
        """``parsed``: every part placed; ``partial``: some left in signature_raw only;
        ``unparsed``: nothing placed. None when there is no signature."""
        if not self.had_text:
            return None
        if self.unplaced:
            return "partial" if not self.is_empty else "unparsed"
        return "parsed" if not self.is_empty or self.credits_no_one else "unparsed"

    def authors_as_dicts(self) -> list[dict[str, Any]]:
        return [a.as_dict() for a in self.authors]


# -- words ---------------------------------------------------------------------------------------


def _is_title_word(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or not word[1:].isupper() or len(word) == 2)


def _name_words(text: str) -> list[tuple[str, str]] | None:
    """(initials, rest) per word when ``text`` is shaped like a name, else None."""
    words = text.split()
    if not 1 <= len(words) <= MAX_NAME_WORDS:
        return None
    out = []
    for word in words:
        m = _NAME_WORD.match(word)
        if m is None or not (m.group("initials") or m.group("rest")):
            return None
        rest = m.group("rest")
        if rest and not rest[0].isupper():
            return None
        out.append((m.group("initials"), rest))
    return out


def _starts_with_head(text: str, words: list[str]) -> bool:
    """``text`` opens with a position, unit, organization or outlet word; a head that is also
    a name ("Đoàn Khải", "Nguyên Thảo") only before another head or a lowercase word."""
    head = vocab.HEAD_SET.prefix(text)
    if head is None:
        return False
    n = len(head.split())
    if n == 1 and head in vocab.NAME_LIKE_HEAD_SET:
        after = " ".join(words[1:])
        if not after:
            return False
        if len(words) >= 3 and head not in vocab.SURNAME_SET:
            return True  # a pen name from a given name is short: "HỘI NHÀ VĂN" is no one
        return vocab.HEAD_SET.prefix(after) is not None or not after[:1].isupper()
    return True


@lru_cache(maxsize=_MEMO_SIZE)
def _is_person_name(text: str) -> bool:
    """Capitalized Vietnamese syllables (or initials), one to five, that no vocabulary word
    claims: "Nguyễn Văn A", "MINH HIẾU", "T.Thụ", "T.H.", "AX" (initials alone)."""
    parsed = _name_words(text)
    if parsed is None:
        return False
    rests = [r for _, r in parsed if r]
    # A letter alone is an initial written without its dot ("Nguyễn Văn B").
    if any(not vocab.is_vietnamese_syllable(r) and len(r) > 1 for r in rests):
        # Initials alone in capitals ("AX", "TK", "HT"): a name of its own.
        return (
            len(parsed) == 1
            and not parsed[0][0]
            and 2 <= len(rests[0]) <= 3
            and (rests[0].isupper())
        )
    if rests:
        # str.isupper: every cased letter in capitals, one at least (Vietnamese letters too).
        upper = [r.isupper() and len(r) > 1 for r in rests]
        titled = [_is_title_word(r) for r in rests]
        # One writing for the whole name: all in capitals, or all capitalized.
        if not (all(u or len(r) == 1 for u, r in zip(upper, rests, strict=True)) or all(titled)):
            return False
    # A single word is a name only in capitals ("BĂNG"): capitalized, it is any word.
    if len(parsed) == 1 and not parsed[0][0] and (not rests[0].isupper() or len(rests[0]) < 2):
        return False
    words = text.split()
    if vocab.NOT_A_NAME_SET.prefix(text) or _starts_with_head(text, words):
        return False
    return not (vocab.RANK_SET.prefix(text) or text in vocab.STAFF_SET or vocab.known_outlet(text))


@lru_cache(maxsize=_MEMO_SIZE)
def _recase(text: str) -> str:
    """A name or an outlet in capitals in normal case; other writing kept. A head word of
    the vocabulary written in capitals takes the vocabulary's case ("PHÒNG KHÁM X" →
    "Phòng khám X", not "Phòng Khám X")."""
    cased = name_case(text)
    head = vocab.HEAD_SET.prefix(text)
    if head and " ".join(text.split()[: len(head.split())]).isupper():
        words = cased.split(" ")
        cased = " ".join([head, *words[len(head.split()) :]])
    return _OUTLET_LOWERCASE.sub(
        lambda m: _OUTLET_LOWERCASE_BY_KEY.get(vocab.fold(m.group(0)), m.group(0)), cased
    )


# -- outlets and sources --------------------------------------------------------------------


def _dedupe_repeat(text: str) -> str:
    """ "Báo X Báo X" (an aggregator's doubled credit) → "Báo X"."""
    words = text.split()
    half = len(words) // 2
    if (
        len(words) % 2 == 0
        and half
        and vocab.fold(" ".join(words[:half])) == vocab.fold(" ".join(words[half:]))
    ):
        return " ".join(words[:half])
    return text


def _is_brand(word: str) -> bool:
    """A one-word outlet name that is no Vietnamese word: "Znews", "Baomoi", "Kinhtedothi"."""
    letters = word.replace(".", "")
    return (
        len(letters) >= 4
        and letters.isalpha()
        and word[:1].isupper()
        and not vocab.is_vietnamese_syllable(letters)
        and not re.match(_INITIAL, word)  # "T.Thụ" is a name with an initial
    )


@lru_cache(maxsize=_MEMO_SIZE)
def _outlet(text: str, after_person: bool) -> str | None:
    """The outlet ``text`` credits (its kept name), or None when it names no outlet."""
    text = _dedupe_repeat(text.strip(" ."))
    if not text:
        return None
    if (known := vocab.known_outlet(text)) is not None:
        return known
    words = text.split()
    folded = vocab.fold(text)
    outlet_head = vocab.OUTLET_HEAD_SET.prefix(text) or vocab.STATION_HEAD_SET.prefix(text)
    if not outlet_head and vocab.HEAD_SET.prefix(text):
        return None  # "BCHQS", "Bộ Quốc phòng": a unit or an organization
    if vocab.OUTLET_HEAD_SET.prefix(text) and len(words) > 1:
        return _recase(text[:1].upper() + text[1:])
    if not after_person and vocab.STATION_HEAD_SET.prefix(text) and len(words) > 1:
        return _recase(text[:1].upper() + text[1:])
    if len(words) > 1 and any(folded.endswith(" " + vocab.fold(t)) for t in vocab.OUTLET_TAILS):
        return _recase(text)
    if len(words) == 1 and not re.match(_INITIAL, words[0]):
        word = words[0]
        if re.fullmatch(r"[\w-]{2,}(?:\.[\w-]+)*\.[a-z]{2,}", word):
            return vocab.outlet_of_domain(word) or word  # "Quanlynhanuoc.vn"
        if _is_brand(word):
            return word
        # An abbreviation in capitals, longer than initials: "NDĐT", "PNTĐ" (after a name,
        # as likely a unit: left unplaced).
        if word.isupper() and len(word) >= 4 and not vocab.is_vietnamese_syllable(word):
            return None if after_person else word
    return None


def _source_value(text: str) -> str | None:
    """What a reprint line ("Theo ...", "Nguồn ...: URL") names, in its kept form."""
    urls = _URL.findall(text)
    written = clean_whitespace(_URL.sub(" ", text)).strip(_EDGE_JUNK + ".()")
    written = _dedupe_repeat(written)
    host = urlsplit(urls[0] if "://" in urls[0] else "http://" + urls[0]).hostname if urls else None
    if written:
        if (known := vocab.known_outlet(written)) is not None:
            return known
        parts = re.split(r"\s*[,;]\s*", written)
        if len(parts) > 1 and all(vocab.known_outlet(p) for p in parts):
            return ", ".join(str(vocab.known_outlet(p)) for p in parts)  # "Theo Reuters, AFP"
        if host and (by_domain := vocab.outlet_of_domain(host)) is not None:
            return by_domain
        if host and _ascii_key(host).startswith("bao" + _ascii_key(written)):
            return "Báo " + written  # "Nguồn Quảng Ngãi: baoquangngai.vn" names the paper
        return _outlet(written, after_person=False) or _recase(written[:1].upper() + written[1:])
    if host:
        return vocab.outlet_of_domain(host) or host.removeprefix("www.")
    return None


def _ascii_key(text: str) -> str:
    """Letters and digits of ``text`` without diacritics: "Quảng Ngãi" → "quangngai"."""
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text))


# -- assembling ------------------------------------------------------------------------------


def _canonical_rank(rank: str) -> str:
    """A rank as the vocabulary writes it, whatever its case, spacing and tone style."""
    return _RANK_BY_KEY.get(vocab.fold(rank)) or clean_metadata(rank) or rank


def _canonical_title(title: str) -> str:
    return _TITLE_BY_KEY.get(re.sub(r"[.\s]+", "", vocab.fold(title)), title)


def _join_titles(titles: list[str]) -> str | None:
    """Abbreviated titles written in a row are one title, joined by dots as the press writes
    it ("PGS, TS" and "PGS TS BS" → "PGS.TS", "PGS.TS.BS"); titles in words are listed
    ("Viện sĩ, Tiến sĩ")."""
    if not titles:
        return None
    out: list[str] = []
    for title in titles:
        if out and " " not in title and " " not in out[-1]:
            out[-1] = f"{out[-1]}.{title}"
        else:
            out.append(title)
    return ", ".join(out)


@lru_cache(maxsize=_MEMO_SIZE)
def _strip_prefixes(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Leading honorifics, ranks, service status and titles off: (rest, ranks, titles)."""
    ranks: list[str] = []
    titles: list[str] = []
    while True:
        text = text.strip(" ,")
        if m := _HONORIFIC.match(text) or _SERVICE_STATUS.match(text):
            text = text[m.end() :]
        elif m := _RANK.match(text):
            ranks.append(_canonical_rank(m.group("rank")))
            text = text[m.end() :]
        elif m := _TITLE.match(text):
            titles.append(_canonical_title(m.group("title")))
            text = text[m.end() :]
        else:
            return text, tuple(ranks), tuple(titles)


def _join_position(current: str | None, sep: str, segment: str) -> str:
    if not current:
        return segment
    glue = sep.strip()
    if (
        sep == "\n"
        and current.rsplit(", ", 1)[-1] in vocab.POSITION_HEAD_SET
        and (vocab.UNIT_HEAD_SET.prefix(segment))
    ):
        return f"{current} {segment}"  # "Phó Chính ủy" / "Bộ Tư lệnh Thủ đô": one position
    if sep == _GLUED:
        return f"{current}-{segment}"
    if glue in ("-", "–", "—"):
        return f"{current} - {segment}"
    if glue in ("và", "cùng", "&"):
        return f"{current} {glue} {segment}"
    return f"{current}, {segment}"


class _Assembler:
    """Builds the signature from classified segments, in order."""

    def __init__(self) -> None:
        self.signature = Signature()
        self.current: Author | None = None
        self.pending_ranks: list[str] = []
        self.pending_titles: list[str] = []
        self.pending_position: str | None = None
        self.last_kind = ""  # what the previous segment was: person, position, source...
        self.line_authors: list[Author] = []  # authors of the line being read
        self.previous_line_authors: list[Author] = []
        self.shared: list[Author] = []  # co-authors a unit line applies to

    def new_line(self) -> None:
        self.previous_line_authors, self.line_authors = self.line_authors, []
        self.shared = []

    def add_source(self, source: str | None) -> None:
        if source and self.signature.source is None:
            self.signature.source = clean_metadata(source)
        self.last_kind = "source"

    def add_person(
        self, name: str, ranks: Sequence[str], titles: Sequence[str], role: str | None
    ) -> None:
        ranks = [*self.pending_ranks, *ranks]
        titles = [*self.pending_titles, *titles]
        self.pending_ranks, self.pending_titles = [], []
        name = clean_metadata(_recase(name)) or name
        for known in self.signature.authors:
            if known.name == name:  # the same person named twice: one author
                self.current = known
                self.last_kind = "person"
                return
        author = Author(
            name=name,
            rank=ranks[0] if ranks else None,
            academic_title=_join_titles(titles),
            role=role,
        )
        if self.pending_position:
            author.position, self.pending_position = self.pending_position, None
        self.signature.authors.append(author)
        self.line_authors.append(author)
        self.current = author
        self.last_kind = "person"

    def add_position(self, sep: str, text: str, line_start: bool) -> None:
        text = clean_metadata(text.strip(" ,.")) or ""
        if not text:
            return
        if line_start and self._shares_unit():
            self.shared = list(self.previous_line_authors)
        if self.shared:
            for author in self.shared:
                author.position = _join_position(author.position, sep, text)
        elif self.current is None:
            self.pending_position = _join_position(self.pending_position, sep, text)
        else:
            self.current.position = _join_position(self.current.position, sep, text)
        self.last_kind = "position"

    def _shares_unit(self) -> bool:
        """A line of units after a line of several authors none of whom has one: theirs."""
        authors = self.previous_line_authors
        return (
            len(authors) >= 2
            and all(a.position is None for a in authors)
            and (self.current is authors[-1])
        )

    def append_glued(self, text: str) -> bool:
        """Join ``-text`` back to what came before when that was not a person."""
        if self.last_kind == "position" and self.current is not None and self.current.position:
            self.current.position += f"-{text}"
            return True
        if self.last_kind == "position" and self.pending_position:
            self.pending_position += f"-{text}"
            return True
        if self.last_kind == "source" and self.signature.source:
            self.signature.source += f"-{text}"
            return True
        if self.last_kind == "organization" and self.signature.organization:
            self.signature.organization += f"-{text}"
            return True
        if self.last_kind == "unplaced" and self.signature.unplaced:
            self.signature.unplaced[-1] += f"-{text}"
            return True
        return False

    def unplaced(self, text: str) -> None:
        self.signature.unplaced.append(text)
        self.last_kind = "unplaced"

    def finish(self) -> Signature:
        if self.pending_position:
            self.unplaced(self.pending_position)
        if self.pending_ranks or self.pending_titles:
            self.unplaced(", ".join(self.pending_ranks + self.pending_titles))
        return self.signature


def _add_bracket(asm: _Assembler, inner: str, role: str | None, line_start: bool) -> None:
    inner = clean_whitespace(inner).strip(_EDGE_JUNK + ".")
    if not inner:
        return
    key = vocab.fold(inner)
    if m := _ROLE_FROM.match(inner):
        # "(tổng hợp từ TTXVN)", "(lược dịch theo Reuters)": a role, and where from.
        if asm.current is not None:
            asm.current.role = _ROLE_AFTER_NAME[vocab.fold(m.group("role"))]
        asm.add_source(_source_value(m.group("source")))
        return
    if key in _ROLE_AFTER_NAME:
        if asm.current is not None:
            asm.current.role = _ROLE_AFTER_NAME[key]
        elif inner not in vocab.STAFF_SET:
            asm.last_kind = "role"
        else:
            asm.signature.staff = True
        return
    if m := _SOURCE_LINE.match(inner):
        asm.add_source(_source_value(m.group("source")))  # "(Theo TTXVN, VOV)"
        return
    if _ROLE_LABEL.search(inner):
        _read_piece_text(asm, inner, role)  # "(Ảnh: Thanh Tùng/TTXVN)"
        return
    if inner in vocab.NO_ONE_SET:
        asm.signature.credits_no_one = True
        return
    if inner in vocab.STAFF_SET:
        # Before the abbreviation test: "(BBT)", "(PV)" are the paper's own staff.
        asm.signature.staff = True
        return
    if (outlet := _outlet(inner, after_person=False)) is not None or _is_abbreviation(inner):
        asm.add_source(outlet or inner)
        return
    rest, ranks, titles = _strip_prefixes(inner)
    if _is_person_name(rest) and (asm.current is None or ranks or titles):
        asm.add_person(rest, ranks, titles, role)  # "(Lê Thắng)": a name on its own
        return
    if _is_position(inner):
        asm.add_position(",", inner, line_start)
        return
    asm.unplaced(inner)


def _slash_agency(text: str) -> str | None:
    """The agency after a name's slash: "TTXVN", "VOV-Tây Bắc", "Vietnam+"."""
    if (known := vocab.known_outlet(text)) is not None:
        return known
    if _is_abbreviation(text):
        return text
    head = re.split(r"\s*[-–]\s*", text, maxsplit=1)[0]
    if vocab.known_outlet(head) is not None:
        return text  # a regional desk of a known agency, as written
    return None


def _is_abbreviation(text: str) -> bool:
    """An agency's abbreviation, in brackets: "(TTXVN)", "(ABC)"."""
    letters = text.replace("/", "").replace("+", "")
    return letters.isalpha() and letters.isupper() and 2 <= len(letters) <= 8


def _is_position(text: str) -> bool:
    """A position or unit: opens with one of their words, or reads like a phrase (a word in
    lowercase, a number), which names never do."""
    words = text.split()
    if vocab.POSITION_HEAD_SET.prefix(text) or vocab.UNIT_HEAD_SET.prefix(text):
        return _starts_with_head(text, words) or not _is_person_name(text)
    return any(w[:1].islower() or w[:1].isdigit() for w in words[1:])


def _add_segment(
    asm: _Assembler, sep: str, segment: str, role: str | None, line_start: bool
) -> None:
    if segment.startswith(("(", "[")):
        _add_bracket(asm, segment[1:-1], role, line_start)
        return
    segment = segment.strip(_EDGE_JUNK)
    if not _ends_with_initial(segment):
        segment = segment.rstrip(".").strip(_EDGE_JUNK)
    if not segment:
        return
    if sep == _GLUED and asm.append_glued(segment):
        return
    if segment in vocab.NO_ONE_SET:
        asm.signature.credits_no_one = True
        asm.last_kind = "none"
        return
    if m := _SOURCE_LINE.match(segment):
        asm.add_source(_source_value(m.group("source")))
        return
    key = vocab.fold(segment)
    if key in _ROLE_AFTER_NAME and asm.current is not None and asm.last_kind == "person":
        asm.current.role = _ROLE_AFTER_NAME[key]  # "HOÀNG LAN - CTV"
        return
    if segment in vocab.STAFF_SET:
        asm.signature.staff = True
        asm.last_kind = "staff"
        return
    if (head := vocab.STAFF_GROUP_SET.prefix(segment)) is not None and asm.last_kind != "person":
        rest = segment[len(head) :].strip(_EDGE_JUNK)
        asm.signature.staff = True
        asm.last_kind = "staff"
        if head in vocab.REPORTER_HEAD_SET and rest:
            # "PV Baomoi": the staff of an outlet; "PV Thu Hà": a reporter by name.
            if (outlet := _outlet(rest, after_person=False)) is not None:
                asm.add_source(outlet)
            elif _is_person_name(rest):
                asm.add_person(rest, [], [], role)
            else:
                asm.unplaced(rest)
        return
    if (m := _NAME_SLASH.match(segment)) and (agency := _slash_agency(m.group("agency"))):
        _add_segment(asm, sep, m.group("name"), role, line_start)
        asm.add_source(agency)
        return
    if m := _COLLABORATOR.match(segment):
        segment, role = segment[m.end() :], "CTV"  # "CTV TRẦN HẢI"
    rest, ranks, titles = _strip_prefixes(segment)
    if not rest:
        if ranks or titles:
            asm.pending_ranks += ranks
            asm.pending_titles += titles
            asm.last_kind = "prefix"
        return
    after_person = asm.current is not None
    if not (ranks or titles) and (outlet := _outlet(rest, after_person)) is not None:
        if after_person and asm.last_kind == "position" and sep.strip() in ("và", "&", ","):
            asm.add_position(sep, rest, line_start)  # "Bộ Văn hóa, Thể thao và Du lịch"
        else:
            asm.add_source(outlet)
        return
    if _is_person_name(rest):
        continues = sep.strip() in ("và", "&") and asm.last_kind == "position"
        if continues and not (ranks or titles):
            asm.add_position(sep, segment, line_start)  # "Bộ Tài nguyên và Môi trường"
        else:
            asm.add_person(rest, ranks, titles, role)
        return
    if ranks or titles:
        asm.unplaced(segment)  # a rank before something that is not a name
        return
    if asm.last_kind == "organization" and asm.signature.organization and sep != "\n":
        # "Trung tâm Văn hóa - Thể thao quận X": the organization's name goes on.
        asm.signature.organization = _join_position(asm.signature.organization, sep, rest)
        return
    if not after_person and vocab.ORGANIZATION_HEAD_SET.prefix(rest) and not asm.pending_ranks:
        if asm.signature.organization is None:
            asm.signature.organization = clean_metadata(_recase(rest))
        asm.last_kind = "organization"
        return
    if _is_position(rest) and (after_person or asm.pending_ranks or asm.pending_titles):
        asm.add_position(sep, rest, line_start)
        return
    asm.unplaced(segment)


_ENDS_WITH_INITIAL = re.compile(rf"(?:^|[\s.]){_INITIAL}$")


def _ends_with_initial(text: str) -> bool:
    return bool(_ENDS_WITH_INITIAL.search(text))


@lru_cache(maxsize=_MEMO_SIZE)
def _segments(text: str) -> tuple[tuple[str, str], ...]:
    """Cut text into (separator before, segment); brackets stay whole, with their brackets."""
    parts = _SEPARATORS.split(text)
    out: list[tuple[str, str]] = []
    sep = ""
    for i, part in enumerate(parts):
        if i % 2 == 1:
            if part.startswith(("(", "[")):
                out.append((sep, part))
                sep = ""
            else:
                sep = _separator(part)
            continue
        if part.strip(_EDGE_JUNK):
            out.append((sep, part))
            sep = ""
    return tuple(out)


def _separator(part: str) -> str:
    """The separator as the assembler reads it: "\n", "-" (glued), " - " (spaced), ","..."""
    if part in ("\n", _GLUED):
        return part
    stripped = part.strip()
    if stripped and set(stripped) <= set("-–—"):
        return " - "
    return stripped


def _read_piece_text(asm: _Assembler, text: str, role: str | None) -> None:
    for piece_role, piece in _pieces(text, role):
        for sep, segment in _segments(piece):
            _add_segment(asm, sep, segment, piece_role, line_start=False)


def _ends_source_label(before: str, label: str) -> bool:
    """A role label that belongs to a source label: after one ("Nguồn Video:"), or the end of
    one ("Nguồn" + "tin:")."""
    said = " " + _label_key(before)
    said_with_label = " " + _label_key(f"{before} {label}")
    return any(
        said.endswith(" " + key) or (" " in key and said_with_label.endswith(" " + key))
        for key in _SOURCE_LABEL_KEYS
    )


@lru_cache(maxsize=_MEMO_SIZE)
def _pieces(text: str, role: str | None = None) -> tuple[tuple[str | None, str], ...]:
    """Text cut at role labels: (role of the label before, text it owns)."""
    pieces: list[tuple[str | None, str]] = []
    last = 0
    brackets = [m.span() for m in _BRACKETED.finditer(text)]
    for m in _ROLE_LABEL.finditer(text):
        if any(start < m.start() < end for start, end in brackets):
            continue  # "(Ảnh: Thanh Tùng/TTXVN)": the bracket is read as one segment
        key = _label_key(m.group("label"))
        written_colon = ":" in m.group(0)[len(m.group("label")) :]
        if not written_colon and key not in _NO_COLON_KEYS:
            continue
        if (
            not written_colon
            and m.start() > 0
            and text[: m.start()].rstrip()[-1:] not in ",(-–—|[/"
        ):
            continue  # "bài thơ Hà Nội": a label without colon only opens a line or a part
        if _ends_source_label(text[: m.start()], m.group("label")):
            continue  # "Nguồn tin:" is a source line, not "Tin:"
        pieces.append((role, text[last : m.start()]))
        role, last = _ROLE_BY_KEY.get(key), m.end()
    pieces.append((role, text[last:]))
    return tuple(pieces)


# -- lines ---------------------------------------------------------------------------------------


# "()" left by a time stamp taken out; "./." that ends a text.
_EMPTY_BRACKETS_OR_END_MARK = re.compile(r"\(\s*\)|\./\.\s*$")


@lru_cache(maxsize=_MEMO_SIZE)
def _clean_line(line: str) -> str:
    """A line without its time stamps and layout junk ("| 18/12/2016 06:44"); URLs kept
    whole (their digits are no dates)."""
    urls = _URL.findall(line)
    line = _URL.sub("\x00", line)
    line = _TIMESTAMP.sub(" ", line)
    line = _EMPTY_BRACKETS_OR_END_MARK.sub(" ", line)
    for url in urls:
        line = line.replace("\x00", url, 1)
    return clean_whitespace(line).strip(_EDGE_JUNK)


@lru_cache(maxsize=_MEMO_SIZE)
def _credit_part(line: str) -> str:
    """The credit of a line that starts with something else: a caption or the last sentence
    of the body before it ("... tham gia hội trại. Kim Nga", "Đại úy X. Ảnh: HỒNG SƠN")."""
    ends = [m.end() for m in _SENTENCE_END.finditer(line) if not _abbreviation_before(line, m)]
    if not ends:
        return line
    starts_labelled = bool(_pieces(line)[0][1].strip(_EDGE_JUNK) == "")
    for end in ends:
        head, tail = line[:end].strip(), line[end:].strip()
        if starts_labelled:
            return line
        if _pieces(tail)[0][1].strip(_EDGE_JUNK) == "" and len(_pieces(tail)) > 1:
            return tail  # a caption, then its photo credit
        if _is_prose(head) and opens_signature(tail):
            return tail
    return line


def _abbreviation_before(line: str, m: re.Match[str]) -> bool:
    word = line[: m.start()].split()[-1] if line[: m.start()].split() else ""
    return word.strip(".") in _ABBREVIATED


def _is_prose(text: str) -> bool:
    """A sentence: several words, most of them in lowercase."""
    words = text.split()
    return len(words) >= 5 and sum(1 for w in words if w[:1].islower()) >= len(words) / 3


def _lines(text: str | list[str]) -> list[str]:
    if isinstance(text, list):
        text = "\n".join(text)
    out = []
    for raw in text.split("\n"):
        for part in raw.split("|"):
            line = clean_whitespace(part)
            if not line or _PLACE_DATE_LINE.match(line):
                continue
            line = _clean_line(line)
            if line:
                out.append(line)
    return out


def parse_signature(text: str | list[str] | None) -> Signature:
    """Parse a signature (lines joined by newlines, or a list of lines)."""
    if text is None:
        return Signature()
    lines = _lines(text)
    asm = _Assembler()
    asm.signature.had_text = bool(
        clean_whitespace(text if isinstance(text, str) else " ".join(text))
    )
    for line in lines:
        asm.new_line()
        line = _credit_part(line)
        if m := _SOURCE_LINE.match(line):
            asm.add_source(_source_value(m.group("source")))
            continue
        first = True
        for role, piece in _pieces(line):
            for sep, segment in _segments(piece):
                if first and not sep and asm.signature.authors:
                    sep = "\n"  # a new line goes on from the line before
                _add_segment(asm, sep, segment, role, line_start=first)
                first = False
    return asm.finish()


# -- finding the signature at the end of a body ----------------------------------------------


def is_signature_candidate(line: str) -> bool:
    """Short enough to be a signature line, and not a sentence of body text."""
    line = clean_whitespace(line)
    if not line or len(line) > MAX_SIGNATURE_CHARS or len(line.split()) > MAX_SIGNATURE_WORDS:
        return False
    if _PLACE_DATE_LINE.match(line):
        return False
    # Sentences end with a full stop after a lowercase word; signatures rarely do. The close
    # is the last three characters: searching from there, not along the whole line.
    return not _SENTENCE_CLOSE.search(line, max(0, len(line) - 3))


def opens_signature(line: str) -> bool:
    """True when ``line`` can be the first line of a signature: it credits someone."""
    if not is_signature_candidate(line):
        return False
    line = _clean_line(clean_whitespace(line))
    if not line:
        return False
    pieces = _pieces(line)
    if len(pieces) > 1 and not pieces[0][1].strip(_EDGE_JUNK):
        return True  # it opens with a role label
    if _SOURCE_LINE.match(line):
        return True
    segments = _segments(line)
    if not segments:
        return False
    first = segments[0][1].strip(_EDGE_JUNK)
    if first.startswith(("(", "[")):
        # "(Theo TTXVN)", "(Ảnh: Thanh Tùng)", "(Nguyễn Thị Hoa)" credit; "(Còn nữa)" and
        # "(Hà Nội)" do not: a bare name in brackets needs a family name and three words.
        inner = first[1:-1].strip()
        if _SOURCE_LINE.match(inner) or len(_pieces(inner)) > 1:
            return True
        words = inner.split()
        return (
            len(words) >= 3
            and vocab.SURNAME_SET.prefix(inner) is not None
            and _is_person_name(inner)
        )
    if first in vocab.STAFF_SET or vocab.STAFF_GROUP_SET.prefix(first):
        return True
    if (m := _NAME_SLASH.match(first)) and _slash_agency(m.group("agency")):
        first = m.group("name")
    rest, ranks, titles = _strip_prefixes(_COLLABORATOR.sub("", first))
    if not rest:
        return bool(ranks or titles) and bool(parse_signature(line).authors)
    if _is_person_name(rest):
        return True
    # A credit to an outlet or an organization alone on its line: "Báo Tây Sơn", "TTXVN",
    # "Trung tâm Y tế quận Long Biên".
    if len(line.split()) > 12 or _SENTENCE_END.search(line):
        return False
    if len(segments) <= 2 and _outlet(rest, after_person=False) is not None:
        return not _is_prose(rest)
    # An organization's name may go on after a dash ("Trung tâm Văn hóa - Thể thao ..."),
    # never into a person's.
    return bool(vocab.ORGANIZATION_HEAD_SET.prefix(rest)) and not any(
        _is_person_name(segment) for _, segment in segments[1:]
    )


def split_signature(paragraphs: list[str], max_lines: int = 3) -> tuple[list[str], list[str]]:
    """Split trailing signature lines off body paragraphs: (body, signature lines)."""
    tail_start = len(paragraphs)
    while (
        tail_start > 0
        and len(paragraphs) - tail_start < max_lines
        and is_signature_candidate(paragraphs[tail_start - 1])
    ):
        tail_start -= 1
    for start in range(tail_start, len(paragraphs)):
        if opens_signature(paragraphs[start]):
            return paragraphs[:start], paragraphs[start:]
    if paragraphs:
        # The signature glued to the last sentence: "... tham gia hội trại. Kim Nga".
        last = paragraphs[-1]
        credit = _credit_part(last)
        if credit != last and is_signature_candidate(credit) and not _ROLE_LABEL.match(credit):
            head = last[: len(last) - len(credit)].rstrip()
            if _is_prose(head) and _is_person_name(credit.strip(_EDGE_JUNK)):
                return [*paragraphs[:-1], head], [credit]
    return paragraphs, []


# -- photo credits in captions ------------------------------------------------------------------


def photo_credit(caption: str | None) -> str | None:
    """Who a caption credits for its photo: "Quang cảnh buổi lễ. Ảnh: MINH HÀ" → "Minh Hà",
    "(Ảnh: Thanh Tùng/TTXVN)" → "Thanh Tùng"; an agency alone → its name; none → None."""
    if not caption:
        return None
    starts = [m.start() for m in _PHOTO_LABEL.finditer(caption)]
    if not starts:
        return None
    tail = caption[starts[-1] :].strip(" .–—-")
    signature = parse_signature(tail)
    if signature.authors:
        return "; ".join(a.name for a in signature.authors)
    return signature.source or signature.organization
