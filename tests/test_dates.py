from __future__ import annotations

from datetime import datetime

import pytest

from qptd_spider.normalize.article import normalize_date
from qptd_spider.normalize.dates import first_plausible_date, parse_date


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
