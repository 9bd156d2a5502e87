"""Publication dates: every format the portal writes, always time-zone aware (UTC+7).

Vietnam has used UTC+7 all year since 1975, with no daylight saving, so a fixed offset is
exact. A date whose time is not shown is kept at day precision; it is never passed off as
a midnight time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")

_WEEKDAY = re.compile(
    r"^\s*(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|cn)\s*[,:-]?\s*", re.I
)
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})(?!\d)")
_HMS = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[:h]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)")
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
# The day folder of an upload path, /upload/2001606/20181120/...: YYYYMMDD alone.
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# A 2-digit year is read as 20YY: the portal started in the 2000s.
_WITH_SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
_CENTURY = 2000


@dataclass(frozen=True)
class ParsedDate:
    """A parsed publication time and how much of it the page gave."""

    value: datetime
    precision: str  # "second", "minute" or "day"

    def isoformat(self) -> str:
        """ISO 8601 in Vietnam time, e.g. ``2018-11-20T08:15:00+07:00``."""
        return self.value.astimezone(VIETNAM).isoformat()


def _parse_iso(text: str) -> ParsedDate | None:
    text = text.strip()
    if not _ISO_START.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    if len(text) == 10:
        return ParsedDate(parsed.replace(tzinfo=VIETNAM), "day")
    if parsed.tzinfo is None:
        # The CMS writes local time; a missing offset means Vietnam's.
        parsed = parsed.replace(tzinfo=VIETNAM)
    time_part = text.split("T", 1)[1] if "T" in text else text.split(" ", 1)[1]
    precision = "second" if _WITH_SECONDS.match(time_part) else "minute"
    return ParsedDate(parsed.astimezone(VIETNAM), precision)


def _parse_vietnamese(text: str) -> ParsedDate | None:
    text = _WEEKDAY.sub("", text.strip())
    day_match = _DMY.search(text)
    if not day_match:
        return None
    day, month, year = (int(g) for g in day_match.groups())
    if year < 100:
        year += _CENTURY
    try:
        day_value = date(year, month, day)
    except ValueError:
        return None
    rest = text[: day_match.start()] + " " + text[day_match.end() :]
    time_match = _HMS.search(rest)
    if not time_match:
        return ParsedDate(datetime.combine(day_value, time(0, 0), VIETNAM), "day")
    hour, minute = int(time_match.group(1)), int(time_match.group(2))
    second = int(time_match.group(3)) if time_match.group(3) else 0
    if hour > 23 or minute > 59 or second > 59:
        return ParsedDate(datetime.combine(day_value, time(0, 0), VIETNAM), "day")
    precision = "second" if time_match.group(3) else "minute"
    return ParsedDate(datetime.combine(day_value, time(hour, minute, second), VIETNAM), precision)


def parse_date(text: str | None) -> ParsedDate | None:
    """Parse one date string in any format the portal uses; None when it holds no date."""
    if not text or not text.strip():
        return None
    if m := _COMPACT_DAY.match(text.strip()):
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return ParsedDate(datetime.combine(day, time(0, 0), VIETNAM), "day")
    return _parse_iso(text) or _parse_vietnamese(text)


@dataclass(frozen=True)
class PublishedDate(ParsedDate):
    """A publication time as decided for a page: the text it was read from, and where on
    the page that text was (microdata, header, meta, listing, upload_folder)."""

    text: str = ""
    source: str = ""


# A clock a few minutes fast on the server should not throw a fresh article away.
FUTURE_TOLERANCE = timedelta(minutes=10)


def first_plausible_date(
    candidates: Iterable[tuple[str, str | None]], not_after: datetime | None
) -> PublishedDate | None:
    """The first (source, text) candidate that parses to a time no later than ``not_after``.

    Candidates come best evidence first (microdata, then the visible header, then a
    listing). A time in the future of the crawl is a wrong reading (a day and month
    swapped, a clock off), so it is passed over for the next piece of evidence.
    """
    for source, text in candidates:
        parsed = parse_date(text)
        if parsed is None:
            continue
        if not_after is not None and parsed.value > not_after + FUTURE_TOLERANCE:
            continue
        return PublishedDate(parsed.value, parsed.precision, " ".join((text or "").split()), source)
    return None


_PRECISION_RANK = {"day": 0, "minute": 1, "second": 2}


def _same_instant(a: ParsedDate, b: ParsedDate) -> bool:
    """``a`` and ``b`` name the same time at the coarser of their two precisions."""
    coarser = min(a.precision, b.precision, key=_PRECISION_RANK.__getitem__)
    x, y = a.value.astimezone(VIETNAM), b.value.astimezone(VIETNAM)
    if coarser == "day":
        return x.date() == y.date()
    if coarser == "minute":
        return x.replace(second=0, microsecond=0) == y.replace(second=0, microsecond=0)
    return x == y


def finer_reading(kept: str | None, other: str | None) -> bool:
    """``other`` names the same time as ``kept``, more precisely (``08:15 25/10/2025`` beside
    ``25/10/25``); or ``kept`` holds no date and ``other`` does. Two list pages may date
    one article at two precisions: the finer one wins, whichever is read first."""
    new = parse_date(other)
    if new is None:
        return False
    old = parse_date(kept)
    if old is None:
        return True
    return _PRECISION_RANK[new.precision] > _PRECISION_RANK[old.precision] and _same_instant(
        old, new
    )


def _plausible(source: str, text: str | None, not_after: datetime | None) -> PublishedDate | None:
    return first_plausible_date([(source, text)], not_after)


# Rules that read a machine date, and the ``published_at_source`` each one stands for.
MACHINE_SOURCES = {"microdata": "microdata"}


def decide_published(
    displayed: tuple[str, str | None],
    machine: Iterable[tuple[str, str | None]],
    weaker: Iterable[tuple[str, str | None]],
    upload_day: Callable[[], str | None],
    not_after: datetime | None,
) -> tuple[PublishedDate | None, PublishedDate | None, PublishedDate | None]:
    """(decided, machine, displayed) publication dates of an article page.

    The decided date is the one the page displays to its readers: the newspaper's stated
    publication time, the one its lists are ordered by (machine dates of the real CMS come
    minutes, sometimes days, after it: a save or approval time). When a machine date names
    the same time at the displayed precision, its seconds refine the displayed one. Without
    a displayed date, the machine date; then the list page's; then the day folder of the
    first body image (``upload_folder``; ``weaker`` gives the others in order). Every
    candidate after ``not_after`` (the crawl) is a misreading and passed over.
    """
    shown = _plausible(displayed[0], displayed[1], not_after)
    read = None
    for rule, text in machine:
        read = _plausible(MACHINE_SOURCES.get(rule, "meta"), text, not_after)
        if read is not None:
            break
    if shown is not None and read is not None:
        # Structured data first when both say the same (and it is at least as precise).
        refines = _same_instant(shown, read) and (
            _PRECISION_RANK[read.precision] >= _PRECISION_RANK[shown.precision]
        )
        return (read if refines else shown), read, shown
    if shown is not None or read is not None:
        return shown or read, read, shown
    for source, text in weaker:
        value = upload_day() if source == "upload_folder" else text
        found = _plausible(source, value, not_after)
        if found is not None:
            return found, None, None
    return None, None, None
