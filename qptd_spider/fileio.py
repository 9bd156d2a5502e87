"""Writing and reading qptd's files so that a kill, a full disk or a torn line loses nothing
silently: one JSON Lines appender, one JSON Lines reader, one atomic write, one symlink swap.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# Errors that mean "the disk cannot take more": a crawl must stop on them, not go on
# dropping what it cannot write.
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


class OutputWriteError(OSError):
    """A file qptd must write could not be written (full disk, read-only folder...)."""

    def __init__(self, path: Path, cause: OSError):
        reason = cause.strerror or str(cause)
        super().__init__(cause.errno, f"cannot write {path}: {reason}")
        self.path = path
        self.cause = cause

    @property
    def disk_full(self) -> bool:
        return self.cause.errno in _NO_SPACE

    def __str__(self) -> str:
        return str(self.args[1])


class JsonLinesWriter:
    """Appends JSON objects to a file, one per line, flushed line by line (a killed process
    leaves at most its last line torn). The file appears with its first line.

    ``truncate`` starts the file afresh (``scrapy crawl -O``) instead of appending to it.
    Any write error is raised as :class:`OutputWriteError` naming the file.
    """

    def __init__(self, path: Path, truncate: bool = False):
        self.path = path
        self.truncate = truncate
        self.count = 0
        self._file: IO[str] | None = None
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            try:
                if self._file is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._file = self.path.open("w" if self.truncate else "a", encoding="utf-8")
                self._file.write(line)
                self._file.flush()
            except OSError as exc:
                raise OutputWriteError(self.path, exc) from exc
            self.count += 1

    @property
    def opened(self) -> bool:
        return self._file is not None

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                except OSError as exc:
                    raise OutputWriteError(self.path, exc) from exc
                finally:
                    self._file = None


class JsonLinesError(ValueError):
    """A JSON Lines file holds a line that is not a JSON object (and is not a torn last line)."""


@dataclass
class JsonLinesStats:
    torn_last_line: int = 0


def read_json_lines(
    path: Path, stats: JsonLinesStats | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of every line of a JSON Lines file.

    The last line of a file whose writer was killed may be cut anywhere, even inside a UTF-8
    character: it is skipped and counted in ``stats.torn_last_line``. Any other line that is
    not a JSON object raises :class:`JsonLinesError` naming the file and the line.
    """
    with path.open("rb") as fh:
        previous: tuple[int, bytes] | None = None
        for number, raw in enumerate(fh, start=1):
            if previous is not None:
                yield previous[0], _decode(path, previous[0], previous[1], last=False, stats=stats)
            previous = (number, raw)
        if previous is not None:
            number, raw = previous
            try:
                yield number, _decode(path, number, raw, last=True, stats=stats)
            except _TornLineError:
                if stats is not None:
                    stats.torn_last_line += 1


class _TornLineError(Exception):
    pass


def _decode(
    path: Path, number: int, raw: bytes, last: bool, stats: JsonLinesStats | None
) -> dict[str, Any]:
    complete = raw.endswith(b"\n")
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        if last and not complete:
            raise _TornLineError from None
        if last and not raw.strip():
            raise _TornLineError from None
        raise JsonLinesError(f"{path}, line {number}: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise JsonLinesError(f"{path}, line {number}: a JSON {type(value).__name__}, not an object")
    return value


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``path`` so that readers see the old content or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputWriteError(path, exc) from exc


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_text(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def swap_symlink(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` (relative to the link's folder) in one rename: readers
    see the old target or the new one, never no link."""
    relative = os.path.relpath(target, link.parent)
    tmp = link.with_name(f".{link.name}.tmp-{os.getpid()}")
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(relative)
        tmp.replace(link)
    except OSError as exc:
        raise OutputWriteError(link, exc) from exc
