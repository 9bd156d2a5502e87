from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from qptd_spider.normalize.article import normalize_date
from qptd_spider.normalize.dates import (
    FUTURE_TOLERANCE,
    decide_published,
    finer_reading,
    first_plausible_date,
    parse_date,
)


@pytest.mark.parametrize(
    ("raw", "iso", "precision"),
    [
        ("2018-11-20T08:15:00+07:00", "2018-11-20T08:15:00+07:00", "second"),
        ("2018-11-20T08:15:00+0700", "2018-11-20T08:15:00+07:00", "second"),
        ("2018-11-20T01:15:00Z", "2018-11-20T08:15:00+07:00", "second"),
        ("2018-11-20T08:15:00", "2018-11-20T08:15:00+07:00", "second"),
        ("2018-11-20T08:15+07:00", "2018-11-20T08:15:00+07:00", "minute"),
        ("2018-11-20", "2018-11-20T00:00:00+07:00", "day"),
        ("08:15:00 | 20/11/2018", "2018-11-20T08:15:00+07:00", "second"),
        ("08:15 | 20/11/2018", "2018-11-20T08:15:00+07:00", "minute"),
        ("Thứ năm, 30/10/2025 | 10:31", "2025-10-30T10:31:00+07:00", "minute"),
        ("Thứ Sáu, 25/04/2025", "2025-04-25T00:00:00+07:00", "day"),
        ("Chủ nhật, 2/3/2025 - 7:05", "2025-03-02T07:05:00+07:00", "minute"),
        ("10/12/18", "2018-12-10T00:00:00+07:00", "day"),
        ("16:05 10/12/2018", "2018-12-10T16:05:00+07:00", "minute"),
        ("25-4-2025", "2025-04-25T00:00:00+07:00", "day"),
        ("20181120", "2018-11-20T00:00:00+07:00", "day"),
    ],
)
def test_formats(raw: str, iso: str, precision: str) -> None:
    parsed = parse_date(raw)
    assert parsed is not None
    assert parsed.isoformat() == iso
    assert parsed.precision == precision


@pytest.mark.parametrize(
    "raw", [None, "", "   ", "không rõ", "31/02/2020", "2018-13-45T00:00", "20181340"]
)
def test_no_date(raw: str | None) -> None:
    assert parse_date(raw) is None


def test_a_future_date_is_not_published_at() -> None:
    item = {
        "published_at_raw": "2030-01-01T08:00:00+07:00",
        "crawled_at": "2026-11-25T00:00:00+00:00",
        "published_at": None,
        "published_at_precision": None,
    }
    assert normalize_date(item) == []
    assert item["published_at"] is None


def test_the_page_decides_the_date_and_the_normalizer_keeps_it() -> None:
    decided = {
        "published_at_raw": "20/11/2018",
        "published_at": "2018-11-20T08:15:00+07:00",
        "published_at_precision": "minute",
        "published_at_source": "header",
        "crawled_at": "2026-11-25T00:00:00+00:00",
    }
    assert normalize_date(dict(decided)) == []
    # A row of an older qptd, with the raw text only: the date is derived from it.
    old_row = {"published_at_raw": "20/11/2018 08:15", "crawled_at": "2026-11-25T00:00:00+00:00"}
    assert normalize_date(old_row) == ["published_at", "published_at_precision"]
    assert old_row["published_at"] == "2018-11-20T08:15:00+07:00"


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # The first candidate that parses and is not after the crawl wins.
        (
            [("microdata", "2099-01-01T00:00:00+07:00"), ("header", "20/11/2018 | 08:15")],
            ("header", "minute"),
        ),
        ([("microdata", None), ("header", ""), ("listing", "2018-11-20")], ("listing", "day")),
        ([("microdata", "không rõ"), ("upload_folder", "20181120")], ("upload_folder", "day")),
        ([("microdata", "2099-01-01T00:00:00+07:00")], None),
        # A server clock a few minutes fast does not throw a fresh article's date away.
        ([("microdata", "2026-11-25T07:05:00+07:00")], ("microdata", "second")),
    ],
)
def test_first_plausible_date(
    candidates: list[tuple[str, str | None]], expected: tuple[str, str] | None
) -> None:
    decided = first_plausible_date(candidates, datetime.fromisoformat("2026-11-25T00:00:00+00:00"))
    assert (decided and (decided.source, decided.precision)) == expected


def test_day_precision_is_said_not_passed_off_as_midnight() -> None:
    item = {
        "published_at_raw": "Thứ Sáu, 25/04/2025",
        "crawled_at": datetime(2026, 1, 1).isoformat() + "+00:00",
    }
    normalize_date(item)
    assert item["published_at_precision"] == "day"


@pytest.mark.parametrize(
    ("kept", "other", "finer"),
    [
        ("25/10/25", "08:15 25/10/2025", True),  # the same day, to the minute
        ("08:15 25/10/2025", "25/10/25", False),  # coarser: kept as it is
        ("08:15 25/10/2025", "08:15:30 25/10/2025", True),
        ("25/10/25", "08:15 26/10/2025", False),  # another day: not the same time
        ("08:15 25/10/2025", "08:16 25/10/2025", False),  # as precise: the first stays
        (None, "25/10/25", True),
        ("25/10/25", None, False),
        ("25/10/25", "không rõ", False),
    ],
)
def test_a_finer_reading_of_the_same_time_wins(
    kept: str | None, other: str | None, finer: bool
) -> None:
    assert finer_reading(kept, other) is finer


@pytest.mark.parametrize(
    ("raw", "iso", "precision"),
    [
        # The last minute of a day is a time; "24:05" is no time: the day alone is kept.
        ("23:59 20/11/2018", "2018-11-20T23:59:00+07:00", "minute"),
        ("24:05 20/11/2018", "2018-11-20T00:00:00+07:00", "day"),
        ("Thứ ba, 20/11/2018 | 24:05", "2018-11-20T00:00:00+07:00", "day"),
        ("20/11/2018 08:60", "2018-11-20T00:00:00+07:00", "day"),
        ("20/11/2018 08:59:60", "2018-11-20T00:00:00+07:00", "day"),
        ("20/11/2018 08:59:59", "2018-11-20T08:59:59+07:00", "second"),
    ],
)
def test_a_time_out_of_range_keeps_the_day(raw: str, iso: str, precision: str) -> None:
    parsed = parse_date(raw)
    assert parsed is not None
    assert (parsed.isoformat(), parsed.precision) == (iso, precision)


# -- deciding between the displayed, machine and weaker dates (decide_published) -------------
CRAWL = datetime.fromisoformat("2026-11-25T00:00:00+00:00")


def _decided(
    header: str | None,
    machine: list[tuple[str, str | None]],
    weaker: list[tuple[str, str | None]] | None = None,
    upload: str | None = None,
) -> tuple[str, str, str] | None:
    decided, _, _ = decide_published(
        ("header", header), machine, weaker or [], lambda: upload, CRAWL
    )
    return decided and (decided.source, decided.isoformat(), decided.precision)


@pytest.mark.parametrize(
    ("header", "machine", "expected"),
    [
        # A machine date of the same minute refines the displayed one with its seconds...
        (
            "30/10/2025 | 10:31",
            [("meta", "2025-10-30T10:31:05+07:00")],
            ("meta", "2025-10-30T10:31:05+07:00", "second"),
        ),
        # ...one of the same precision and time is preferred (structured data first)...
        (
            "30/10/2025 | 10:31",
            [("microdata", "2025-10-30T10:31+07:00")],
            ("microdata", "2025-10-30T10:31:00+07:00", "minute"),
        ),
        (
            "30/10/2025 | 10:31:05",
            [("meta", "2025-10-30T10:31:05+07:00")],
            ("meta", "2025-10-30T10:31:05+07:00", "second"),
        ),
        # ...but a different second, minute or day is another time: the header's stands.
        (
            "30/10/2025 | 10:31:05",
            [("meta", "2025-10-30T10:31:06+07:00")],
            ("header", "2025-10-30T10:31:05+07:00", "second"),
        ),
        (
            "30/10/2025 | 10:31",
            [("meta", "2025-10-30T10:32:00+07:00")],
            ("header", "2025-10-30T10:31:00+07:00", "minute"),
        ),
        # The day is Vietnam's: 05:00 in Vietnam is the day before in UTC, the same day here.
        (
            "30/10/2025",
            [("meta", "2025-10-30T05:00:00+07:00")],
            ("meta", "2025-10-30T05:00:00+07:00", "second"),
        ),
        (
            "30/10/2025",
            [("meta", "2025-10-29T22:30:00+00:00")],  # 05:30 on the 30th in Vietnam
            ("meta", "2025-10-30T05:30:00+07:00", "second"),
        ),
        # A displayed date after the crawl is a misreading: the machine date is taken.
        (
            "30/10/2099 | 10:31",
            [("microdata", "2025-10-30T10:31:00+07:00")],
            ("microdata", "2025-10-30T10:31:00+07:00", "second"),
        ),
        # No machine date at all.
        ("30/10/2025 | 10:31", [], ("header", "2025-10-30T10:31:00+07:00", "minute")),
    ],
)
def test_decide_published(
    header: str, machine: list[tuple[str, str | None]], expected: tuple[str, str, str]
) -> None:
    assert _decided(header, machine) == expected


def test_a_machine_date_after_the_crawl_is_not_kept_either() -> None:
    decided, machine, shown = decide_published(
        ("header", "30/10/2025 | 10:31"),
        [("microdata", "2099-01-01T08:00:00+07:00")],
        [],
        lambda: None,
        CRAWL,
    )
    assert machine is None
    assert shown is not None and decided == shown and decided.source == "header"


def test_weaker_dates_after_the_crawl_are_passed_over_too() -> None:
    got = _decided(
        None,
        [("microdata", None)],
        [("listing", "2099-01-01"), ("upload_folder", None)],
        "20251030",
    )
    assert got == ("upload_folder", "2025-10-30T00:00:00+07:00", "day")
    got = _decided(None, [], [("listing", "2025-10-29T21:00:00+07:00")])
    assert got == ("listing", "2025-10-29T21:00:00+07:00", "second")
    assert _decided(None, [], [("listing", None)]) is None


def test_a_date_exactly_at_the_tolerance_after_the_crawl_is_kept() -> None:
    edge = (CRAWL + FUTURE_TOLERANCE).isoformat()
    assert first_plausible_date([("microdata", edge)], CRAWL) is not None
    later = (CRAWL + FUTURE_TOLERANCE + timedelta(seconds=1)).isoformat()
    assert first_plausible_date([("microdata", later)], CRAWL) is None


def test_the_raw_date_text_is_kept_with_its_spacing_collapsed() -> None:
    decided = first_plausible_date([("header", "  20/11/2018 \n |  08:15 ")], CRAWL)
    assert decided is not None and decided.text == "20/11/2018 | 08:15"


@pytest.mark.parametrize(
    ("raw", "iso", "precision"),
    [
        ("2018-11-20 08:15:00+07:00", "2018-11-20T08:15:00+07:00", "second"),
        ("2018-11-20 08:15+07:00", "2018-11-20T08:15:00+07:00", "minute"),
        ("2018-11-20 08:15", "2018-11-20T08:15:00+07:00", "minute"),
    ],
)
def test_iso_dates_with_a_space_for_the_t(raw: str, iso: str, precision: str) -> None:
    parsed = parse_date(raw)
    assert parsed is not None and (parsed.isoformat(), parsed.precision) == (iso, precision)
