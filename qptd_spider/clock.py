"""The one clock of qptd: UTC, to the second in records, to the microsecond in run ids."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, UTC, aware."""
    return datetime.now(UTC)


def utc_now_iso() -> str:
    """The current UTC time as ISO 8601 to the second, e.g. ``2026-11-25T18:00:00+00:00``."""
    return utc_now().replace(microsecond=0).isoformat()


def new_run_id(now: datetime | None = None) -> str:
    """A sortable run id: UTC time to the microsecond, e.g. ``20261125T181500123456Z``."""
    return (now or utc_now()).strftime("%Y%m%dT%H%M%S%fZ")
