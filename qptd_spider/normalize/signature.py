"""Signatures (the author lines at the end of an article) → authors, positions, source.

A QPTĐ signature has no markup of its own: it is the last short paragraph or two of the
body, in many forms (see docs/PORTAL.md, "Signatures"):

    Nguyễn Xuân Lưu, Thành ủy viên,
    Bí thư Quận ủy, Chủ tịch UBND quận Thanh Xuân
    Thượng tướng, Viện sĩ, Tiến sĩ NGUYỄN HUY HIỆU
    Đại tá NGUYỄN VĂN A - Chính ủy Bộ Tư lệnh Thủ đô Hà Nội
    Bài, ảnh: MINH HIẾU - NGỌC ANH
    Trung tá TRẦN VĂN C (Bộ CHQS tỉnh Hà Giang)
    Mạnh Khánh (TTXVN)        Theo TTXVN        NGỌC ANH (tổng hợp)

The parser cuts the text into segments (at commas, dashes, "và", line breaks and brackets),
classifies each one (prefix, person, position, role, source) and assembles authors from
them: a person starts an author, positions that follow attach to it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..items import Author
from .text import ABBREVIATIONS, clean_metadata, clean_whitespace, name_case

_UPPER = "A-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ"
# The twelve ranks of the Vietnam People's Army, in the old tone style the fields use.
RANKS = (
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng",
    "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá",
    "Đại úy", "Thượng úy", "Trung úy", "Thiếu úy",
)  # fmt: skip
RANK_PATTERN = r"(?:Đại|Thượng|Trung|Thiếu)\s+(?:tướng|tá|uý|úy|ủy|uỷ)"
_RANK = re.compile(rf"^(?P<rank>{RANK_PATTERN})\b\.?\s*", re.I)
# Academic and honorary titles, longest first so "PGS.TS" wins over "PGS".
_TITLE_WORDS = (
    r"GS\.?\s*TSKH|GS\.?\s*TS|PGS\.?\s*TS|TSKH|ThS|TS|GS|PGS|CN|KS|BS|NGƯT|NGND|"
    r"Viện\s+sĩ|Tiến\s+sĩ|Thạc\s+sĩ|Giáo\s+sư|Phó\s+giáo\s+sư|Nhà\s+giáo|Nhà\s+báo|Bác\s+sĩ"
)
_TITLE = re.compile(rf"^(?P<title>{_TITLE_WORDS})(?![\w])\.?\s*", re.I)
_HONORIFIC = re.compile(r"^(?:Đồng\s+chí|đ/c|Ông|Bà)\s+", re.I)
# "Thượng tá QNCN ...": professional-soldier status after a rank, not part of the name.
_SERVICE_STATUS = re.compile(r"^(?:QNCN|CNQP)\b\s*")
# Role markers written before the names: "Bài, ảnh: MINH HIẾU".
_ROLE_PREFIX = re.compile(
    r"(?P<role>Bài\s*(?:,|và)\s*ảnh|Tin\s*(?:,|và)\s*ảnh|Bài\s+và\s+ảnh|Bài|Tin|Ảnh|"
    r"Thực\s+hiện|Tác\s+giả|Video|Clip|Đồ\s+họa|Đồ\s+hoạ|Trình\s+bày|"
    r"Ghi\s+chép|Bút\s+ký|Ký\s+sự|Phóng\s+sự|Tùy\s+bút|Tản\s+văn)\s*(?::|\s+của\b)\s*",
    re.I,
)
_ROLE_WORDS = re.compile(
    r"^(?:thực\s+hiện|tổng\s+hợp|lược\s+dịch|biên\s+dịch|dịch|sưu\s+tầm|ghi|ghi\s+chép|"
    r"CTV|cộng\s+tác\s+viên)$",
    re.I,
)
_SOURCE_LINE = re.compile(r"^(?:Theo|Nguồn\s+tin\s*:|Nguồn\s*:)\s*(?P<source>.+)$", re.I)
KNOWN_AGENCIES = frozenset(
    {"TTXVN", "VNA", "TTX", "VOV", "VTV", "QĐND", "TTXVN/VNA", "Reuters", "AFP", "AP", "Xinhua"}
)
_SEPARATORS = re.compile(
    rf"(\n|;|,|\s+[-–—]\s+|[–—]|(?<=[{_UPPER}]{{2}})-(?=[{_UPPER}]{{2}})|\s+và\s+|\([^()]*\))"
)
_NAME_WORD = re.compile(rf"^(?:[{_UPPER}][\w]*|[{_UPPER}]\.)$")
# Longest plausible signature line; anything longer is body text.
MAX_SIGNATURE_CHARS = 160
MAX_SIGNATURE_WORDS = 28


@dataclass
class Signature:
    """What a signature says: who wrote the article and, for a reprint, where it came from."""

    authors: list[Author] = field(default_factory=list)
    source: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.authors and self.source is None

    def authors_as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(a) for a in self.authors]


def _canonical_role(role: str) -> str:
    role = clean_whitespace(role)
    role = re.sub(r"^(Bài|Tin)\s*(?:,|và)\s*ảnh$", r"\1, ảnh", role, flags=re.I)
    if role.upper() == "CTV":
        return "CTV"
    return role[:1].upper() + role[1:].lower()


def _canonical_rank(rank: str) -> str:
    rank = clean_metadata(rank) or rank
    return rank[:1].upper() + rank[1:].lower()


_DOUBLE_TITLE = re.compile(r"(?i)(P?GS)\.?(TS(?:KH)?)")


def _canonical_title(title: str) -> str:
    if "." in title or title.isupper():
        title = re.sub(r"\s+", "", title)
    title = title.rstrip(".")
    if m := _DOUBLE_TITLE.fullmatch(title):
        return f"{m.group(1).upper()}.{m.group(2).upper()}"
    if title.lower() == "ths":
        return "ThS"
    if re.fullmatch(r"[A-Za-zƯư]+", title) and len(title) <= 5:
        return title.upper()
    return title[:1].upper() + title[1:].lower()


def _join_titles(titles: list[str]) -> str | None:
    """["PGS", "TS"] (written "PGS, TS") is the one title "PGS.TS"; others are listed."""
    if not titles:
        return None
    if len(titles) == 2 and titles[0] in ("GS", "PGS") and titles[1] in ("TS", "TSKH"):
        return f"{titles[0]}.{titles[1]}"
    return ", ".join(titles)


def _strip_prefixes(text: str) -> tuple[str, list[str], list[str]]:
    """Remove leading honorifics, ranks and titles; return (rest, ranks, titles)."""
    ranks: list[str] = []
    titles: list[str] = []
    while True:
        text = text.strip()
        if m := _HONORIFIC.match(text) or _SERVICE_STATUS.match(text):
            text = text[m.end() :]
        elif m := _RANK.match(text):
            ranks.append(_canonical_rank(m.group("rank")))
            text = text[m.end() :]
        elif m := _TITLE.match(text):
            titles.append(_canonical_title(m.group("title")))
            text = text[m.end() :]
        else:
            return text, ranks, titles


def _looks_like_name(text: str) -> bool:
    # "Q.LÂM" is an initial and a name: read it as "Q. LÂM".
    words = re.sub(r"(?<=\w)\.(?=\w)", ". ", text).split()
    if not 1 <= len(words) <= 6 or any(ch.isdigit() for ch in text):
        return False
    if len(words) == 1 and not (text.isupper() and len(text) >= 2):
        return False
    return all(_NAME_WORD.match(w) for w in words)


# Staff bylines in capitals: people of the paper, not agencies.
STAFF_BYLINES = frozenset({"PV", "CTV", "BTV", "NV"})
_CTV_PREFIX = re.compile(r"^CTV\s+", re.I)
# "Hà Nội, ngày 20 tháng 11 năm 2018", "20/11/2018": a place and date line, not a signature.
_DATE_LINE = re.compile(r"\bngày\s+\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.I)
# "Nhóm PV", "Nhóm PV Thời sự", "Nhóm phóng viên": a staff byline, kept as written.
_STAFF_GROUP = re.compile(r"^Nhóm\s+(?:PV|phóng\s+viên)\b", re.I)
# "MINH ĐỨC/TTXVN": a name and its agency joined by a slash.
_NAME_SLASH_AGENCY = re.compile(r"^(?P<name>[^/]+?)\s*/\s*(?P<agency>[^/\s]+(?:/[^/\s]+)?)$")


def _is_agency(text: str) -> bool:
    if text in KNOWN_AGENCIES:
        return True
    letters = text.replace("/", "")
    return (
        letters.isupper()
        and letters.isalpha()
        and 2 <= len(letters) <= 6
        and text not in STAFF_BYLINES
    )


def _segments(text: str) -> list[tuple[str, str]]:
    """Cut text into (separator before, segment); brackets stay whole, with their brackets."""
    parts = _SEPARATORS.split(text)
    out: list[tuple[str, str]] = []
    sep = ""
    for i, part in enumerate(parts):
        if i % 2 == 1:
            if part.startswith("("):
                out.append((sep, part))
                sep = ""
            else:
                sep = part
            continue
        part = part.strip(" .:")
        if part:
            out.append((sep, part))
            sep = ""
    return out


def _join_position(current: str | None, sep: str, segment: str) -> str:
    if not current:
        return segment
    glue = sep.strip()
    if glue in ("-", "–", "—"):
        return f"{current} - {segment}"
    if glue == "và":
        return f"{current} và {segment}"
    return f"{current}, {segment}"


class _Assembler:
    """Builds authors from classified segments, in order."""

    def __init__(self) -> None:
        self.signature = Signature()
        self.current: Author | None = None
        self.pending_ranks: list[str] = []
        self.pending_titles: list[str] = []
        self.pending_position: str | None = None

    def add_source(self, source: str) -> None:
        source = clean_metadata(source.strip(" .:()")) or ""
        # "báo Nhân Dân" and "Báo Nhân Dân" are one source.
        source = source[:1].upper() + source[1:]
        if source and self.signature.source is None:
            self.signature.source = source

    def add_person(
        self,
        name: str,
        ranks: list[str],
        titles: list[str],
        role: str | None,
        keep_case: bool = False,
    ) -> None:
        ranks = self.pending_ranks + ranks
        titles = self.pending_titles + titles
        self.pending_ranks, self.pending_titles = [], []
        author = Author(
            name=clean_metadata(name if keep_case else name_case(name)) or name,
            rank=ranks[0] if ranks else None,
            academic_title=_join_titles(titles),
            role=role,
        )
        if self.pending_position:
            author.position, self.pending_position = self.pending_position, None
        self.signature.authors.append(author)
        self.current = author

    def add_position(self, sep: str, text: str) -> None:
        text = clean_metadata(text.strip(" ,.")) or ""
        if not text:
            return
        if self.current is None:
            self.pending_position = _join_position(self.pending_position, sep, text)
        else:
            self.current.position = _join_position(self.current.position, sep, text)

    def add_bracket(self, inner: str) -> None:
        inner = clean_whitespace(inner)
        if not inner:
            return
        if _ROLE_WORDS.match(inner):
            if self.current is not None:
                self.current.role = _canonical_role(inner)
        elif (m := _SOURCE_LINE.match(inner)) or _is_agency(inner):
            self.add_source(m.group("source") if m else inner)
        else:
            self.add_position(",", inner)


def _add_segment(asm: _Assembler, sep: str, segment: str, role: str | None) -> None:
    if segment.startswith("("):
        asm.add_bracket(segment[1:-1])
        return
    if m := _SOURCE_LINE.match(segment):
        rest = m.group("source")
        # "Theo Mạnh Khánh (TTXVN)": the bracket is handled as its own segment.
        asm.add_source(rest)
        return
    if segment.upper() in ("CTV", "CỘNG TÁC VIÊN") and asm.current is not None:
        asm.current.role = "CTV"
        return
    if _STAFF_GROUP.match(segment):
        asm.add_person(segment, [], [], role, keep_case=True)
        return
    if (m := _NAME_SLASH_AGENCY.match(segment)) and _is_agency(m.group("agency")):
        _add_segment(asm, sep, m.group("name"), role)
        asm.add_source(m.group("agency"))
        return
    if _CTV_PREFIX.match(segment):
        # "CTV TRẦN HẢI": the collaborator marker written before the name.
        segment, role = _CTV_PREFIX.sub("", segment), "CTV"
    rest, ranks, titles = _strip_prefixes(segment)
    if not rest and (ranks or titles):
        asm.pending_ranks += ranks
        asm.pending_titles += titles
        return
    if rest in ABBREVIATIONS and _is_agency(rest):
        asm.add_source(rest)
        return
    if _looks_like_name(rest):
        if not (ranks or titles) and _continues_position(sep, asm):
            asm.add_position(sep, segment)
        else:
            asm.add_person(rest, ranks, titles, role)
        return
    asm.add_position(sep, segment)


def _continues_position(sep: str, asm: _Assembler) -> bool:
    """A capitalized segment after "và" inside a position ("Bộ Tài nguyên và Môi trường")."""
    return sep.strip() == "và" and asm.current is not None and asm.current.position is not None


def parse_signature(text: str | list[str] | None) -> Signature:
    """Parse a signature (lines joined by newlines, or a list of lines) into authors and source."""
    if text is None:
        return Signature()
    if isinstance(text, list):
        text = "\n".join(text)
    lines = [clean_whitespace(line) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    asm = _Assembler()
    if not text:
        return asm.signature
    # A whole line naming a source ("Nguồn tin: ...") is read before role markers, whose
    # "Tin:" would otherwise match inside "Nguồn tin:".
    kept = []
    for line in text.split("\n"):
        if m := _SOURCE_LINE.match(line):
            asm.add_source(m.group("source"))
        else:
            kept.append(line)
    text = "\n".join(kept)
    # Role markers own the names that follow them, up to the next marker.
    pieces: list[tuple[str | None, str]] = []
    last, role = 0, None
    for m in _ROLE_PREFIX.finditer(text):
        if m.start() > 0 and text[m.start() - 1] not in " \n,-–(":
            continue
        pieces.append((role, text[last : m.start()]))
        role, last = _canonical_role(m.group("role")), m.end()
    pieces.append((role, text[last:]))
    for piece_role, piece in pieces:
        for sep, segment in _segments(piece):
            _add_segment(asm, sep, segment, piece_role)
    return asm.signature


def is_signature_candidate(line: str) -> bool:
    """Short enough to be a signature line, and not a sentence of body text."""
    line = clean_whitespace(line)
    if not line or len(line) > MAX_SIGNATURE_CHARS or len(line.split()) > MAX_SIGNATURE_WORDS:
        return False
    if _DATE_LINE.search(line):
        return False
    # Sentences end with a full stop after a lowercase word; signatures rarely do.
    return not re.search(r"[a-zà-ỹđ]{2,}[.!?…]$", line)


def opens_signature(line: str) -> bool:
    """True when ``line`` can be the first line of a signature: it names someone or a source."""
    if not is_signature_candidate(line):
        return False
    if _ROLE_PREFIX.match(clean_whitespace(line)) or _SOURCE_LINE.match(clean_whitespace(line)):
        return True
    segments = _segments(clean_whitespace(line))
    if not segments:
        return False
    first = segments[0][1]
    if first.startswith("("):
        return False
    if _STAFF_GROUP.match(first):
        return True
    if m := _NAME_SLASH_AGENCY.match(first):
        first = m.group("name") if _is_agency(m.group("agency")) else first
    rest, ranks, titles = _strip_prefixes(_CTV_PREFIX.sub("", first))
    if not rest:
        return bool(ranks or titles) and not parse_signature(line).is_empty
    return _looks_like_name(rest)


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
    return paragraphs, []
