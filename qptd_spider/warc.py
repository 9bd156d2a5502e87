"""The crawl archive: every response a crawl receives, as WARC/1.1 records (with warcio).

Files are ``warc/<run id>-NNNNN.warc.gz``, one gzip member per record, a ``warcinfo``
record first (the run: qptd version, target, arguments), rolling over to the next number
past a size. Each record is flushed as it is written, so a killed crawl leaves files whose
complete records all read back; the torn last one is skipped (and counted) by the reader.

An archived response is found again by ``WarcRef``: file name, offset of its gzip member,
record id (and date and payload digest, for the ``revisit`` records of later 304s).
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import BaseWARCWriter, WARCWriter

from .fileio import OutputWriteError

DEFAULT_MAX_BYTES = 1024**3  # a file rolls over past 1 GB
# The archive is written on the crawl's one thread, so its gzip level trades crawl speed
# against bytes (`python benchmarks/warc_gzip.py`): warcio's level 9 makes pages no smaller
# than level 6; level 3 costs ~15% less time than 6 for ~5% more bytes.
GZIP_LEVEL = 3
# Our extension fields of a revisit record: where the record it refers to is.
REFERS_TO_FILE = "QPTD-Refers-To-File"
REFERS_TO_OFFSET = "QPTD-Refers-To-Offset"
# A warcinfo field: the crawl's DOWNLOAD_MAXSIZE, the limit a re-parse inflates bodies to.
MAXSIZE_FIELD = "qptd-download-maxsize"


@dataclass(frozen=True)
class WarcRef:
    """Where an archived response is: enough to read it back, and to refer to it."""

    file: str
    offset: int
    record_id: str
    date: str = ""
    uri: str = ""
    payload_digest: str = ""

    def as_row(self) -> dict[str, Any]:
        """What a dataset row keeps (``warc_record``)."""
        return {"file": self.file, "offset": self.offset, "record_id": self.record_id}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> WarcRef:
        return cls(**{k: value[k] for k in cls.__dataclass_fields__ if k in value})


class _Gzipping:
    """One gzip member per record."""

    def __init__(self, out: IO[bytes]):
        self.out = out
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.flush()


class _RecordWriter(BaseWARCWriter):  # type: ignore[misc]
    """warcio's record builder, writing into one open file with our gzip level."""

    def __init__(self, out: IO[bytes]):
        super().__init__(gzip=False, warc_version="WARC/1.1")
        self.out = out

    def write_record(self, record: ArcWarcRecord, params: Any = None) -> None:
        # warcio's public writer, uncompressed, into a gzip stream of our level (its own is
        # level 9): it flushes after the record, which ends the gzip member.
        WARCWriter(_Gzipping(self.out), gzip=False, warc_version="WARC/1.1").write_record(record)


def _http_headers(status: int, headers: list[tuple[str, str]], protocol: str) -> StatusAndHeaders:
    return StatusAndHeaders(http_status_line(status, protocol), headers, protocol=protocol)


def http_status_line(status: int, protocol: str | None) -> str:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return f"{status} {reason}".strip()


class WarcArchive:
    """Writes one run's records into rolling files; not thread-safe (the reactor's thread)."""

    def __init__(
        self, folder: Path, run_id: str, info: dict[str, Any], max_bytes: int = DEFAULT_MAX_BYTES
    ):
        self.folder = folder
        self.run_id = run_id
        self.info = info
        self.max_bytes = max_bytes
        self.number = -1
        self.bytes_written = 0
        self.records = 0
        self.files = 0  # files this writer started (numbers can skip: see _open_next)
        self._file: IO[bytes] | None = None
        self._writer: _RecordWriter | None = None
        self._name = ""

    # -- files -------------------------------------------------------------------------------

    def _open_next(self) -> None:
        self.close()
        while True:
            self.number += 1
            self._name = f"{self.run_id}-{self.number:05d}.warc.gz"
            path = self.folder / self._name
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._file = path.open("xb")
                self.files += 1
                break
            except FileExistsError:
                # Another worker of the same run (a distributed crawl) took this number, or
                # a resumed run wrote it: never append to a file we did not start.
                continue
            except OSError as exc:
                raise OutputWriteError(path, exc) from exc
        self._writer = _RecordWriter(self._file)
        info = {
            k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in self.info.items()
        }
        self._write(self._writer.create_warcinfo_record(self._name, info))

    def _ensure(self) -> _RecordWriter:
        if self._writer is None or (self._file is not None and self._file.tell() >= self.max_bytes):
            self._open_next()
        assert self._writer is not None
        return self._writer

    def _write(self, record: ArcWarcRecord) -> WarcRef:
        assert self._file is not None and self._writer is not None
        offset = self._file.tell()
        try:
            self._writer.write_record(record)
        except OSError as exc:
            raise OutputWriteError(self.folder / self._name, exc) from exc
        self.bytes_written += self._file.tell() - offset
        self.records += 1
        headers = record.rec_headers
        return WarcRef(
            file=self._name,
            offset=offset,
            record_id=headers.get_header("WARC-Record-ID"),
            date=headers.get_header("WARC-Date"),
            uri=headers.get_header("WARC-Target-URI") or "",
            payload_digest=headers.get_header("WARC-Payload-Digest") or "",
        )

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:
                raise OutputWriteError(self.folder / self._name, exc) from exc
        self._file = None
        self._writer = None

    # -- records -----------------------------------------------------------------------------

    def write_exchange(
        self,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        date: str,
        protocol: str = "HTTP/1.1",
    ) -> WarcRef:
        """A ``response`` record (the body as received) and its ``request`` record."""
        writer = self._ensure()
        http = _http_headers(status, response_headers, protocol)
        response = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": date},
        )
        ref = self._write(response)
        self._write(self._request_record(writer, url, method, request_headers, date, ref))
        return ref

    def write_revisit(
        self,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        status: int,
        response_headers: list[tuple[str, str]],
        date: str,
        refers_to: WarcRef,
        protocol: str = "HTTP/1.1",
    ) -> WarcRef:
        """A 304: a ``revisit`` record (server-not-modified) pointing at the archived copy."""
        writer = self._ensure()
        http = _http_headers(status, response_headers, protocol)
        revisit = writer.create_revisit_record(
            url,
            refers_to.payload_digest,
            refers_to.uri,
            refers_to.date,
            http_headers=http,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Refers-To": refers_to.record_id,
                REFERS_TO_FILE: refers_to.file,
                REFERS_TO_OFFSET: str(refers_to.offset),
            },
        )
        ref = self._write(revisit)
        self._write(self._request_record(writer, url, method, request_headers, date, ref))
        return WarcRef(ref.file, ref.offset, ref.record_id, date, url, refers_to.payload_digest)

    def write_metadata(
        self, url: str, date: str, concurrent_to: WarcRef, value: dict[str, Any]
    ) -> None:
        """What the crawl knew of a page beyond its bytes (the list page's date...)."""
        writer = self._ensure()
        data = json.dumps(value, ensure_ascii=False).encode()
        record = writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(data),
            length=len(data),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to.record_id},
        )
        self._write(record)

    @staticmethod
    def _request_record(
        writer: _RecordWriter,
        url: str,
        method: str,
        headers: list[tuple[str, str]],
        date: str,
        concurrent_to: WarcRef,
    ) -> ArcWarcRecord:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        http = StatusAndHeaders(
            f"{method} {target} HTTP/1.1", [("Host", parts.netloc), *headers], is_http_request=True
        )
        return writer.create_warc_record(
            url,
            "request",
            http_headers=http,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to.record_id},
        )


# -- reading -----------------------------------------------------------------------------------


class WarcReadError(ValueError):
    """A WARC file that cannot be read at all (not gzip, not WARC)."""


@dataclass
class ReadStats:
    records: int = 0
    torn: int = 0  # a last record cut short (a killed crawl)
    damaged: int = 0  # records whose bytes are corrupt (a flipped byte, a bad disk block)


# A record larger than this is not read (counted damaged): a crawl keeps bodies under its
# DOWNLOAD_MAXSIZE (16 MB by default), so only a corrupt or hostile member comes near it,
# and it would be held in memory whole.
MAX_RECORD_BYTES = 256 * 1024**2
_GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 16


class _BadMemberError(Exception):
    """The gzip member at an offset does not decompress to one WARC record (``cut``: the
    file ends inside it, as a killed crawl leaves its last one)."""

    def __init__(self, reason: str, cut: bool = False):
        super().__init__(reason)
        self.cut = cut


def _inflate_member(fh: IO[bytes], offset: int) -> tuple[bytes, int | None]:
    """(the bytes of the gzip member at ``offset``, the offset just past it), or, when the
    file ends inside the member, (what it held so far, None). Raises ``_BadMemberError`` when
    it is no gzip member or its data is corrupt (gzip's CRC covers every byte)."""
    fh.seek(offset)
    inflater = zlib.decompressobj(wbits=31)
    out = bytearray()
    position = offset
    try:
        while chunk := fh.read(_CHUNK):
            position += len(chunk)
            pending = chunk
            while pending and not inflater.eof:
                # Bounded output per call: a member that inflates without end stops here.
                out += inflater.decompress(pending, MAX_RECORD_BYTES + 1 - len(out))
                if len(out) > MAX_RECORD_BYTES:
                    raise _BadMemberError(f"a record of more than {MAX_RECORD_BYTES} bytes")
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return bytes(out), position - len(inflater.unused_data)
    except zlib.error as exc:
        raise _BadMemberError(str(exc)) from None
    return bytes(out), None


def _record_of(data: bytes) -> ArcWarcRecord:
    """The one WARC record ``data`` holds, its payload read (``qptd_payload``: the body as
    archived, Content-Encoding not undone, see ``http_body``)."""
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), arc2warc=False)))
        record.qptd_payload = bytes(record.raw_stream.read())
    except (StopIteration, ArchiveLoadFailed, EOFError, ValueError, OSError) as exc:
        raise _BadMemberError(f"no WARC record: {exc}") from None
    if getattr(record.raw_stream, "limit", 0) or record.rec_headers.protocol not in WARC_VERSIONS:
        raise _BadMemberError("a record shorter than its Content-Length")
    return record


WARC_VERSIONS = ("WARC/1.0", "WARC/1.1")


def _next_member(fh: IO[bytes], after: int) -> tuple[int, bytes, int | None] | None:
    """The next whole gzip member past ``after`` that holds a WARC record: (offset, bytes,
    end); None when there is none (the rest of the file is damaged)."""
    position = after + 1
    fh.seek(position)
    window = fh.read(_CHUNK)
    while window:
        found = window.find(_GZIP_MAGIC)
        if found < 0:
            position += len(window) - (len(_GZIP_MAGIC) - 1)
            fh.seek(position)
            window = fh.read(_CHUNK)
            if len(window) < len(_GZIP_MAGIC):
                return None
            continue
        candidate = position + found
        try:
            data, end = _inflate_member(fh, candidate)
        except _BadMemberError:
            data, end = b"", None
        if end is not None and data.startswith(b"WARC/"):
            return candidate, data, end
        position = candidate + 1
        fh.seek(position)
        window = fh.read(_CHUNK)
    return None


def iter_archive(path: Path, stats: ReadStats | None = None) -> Iterator[tuple[int, ArcWarcRecord]]:
    """(offset, record) of every whole record of a file, read member by member (one gzip
    member per record, as qptd and warcio write them). A corrupt member is counted
    ``damaged`` and reading goes on at the next member; a last record cut short (a killed
    crawl) is counted ``torn``; a file that is not a gzipped WARC raises."""
    stats = stats if stats is not None else ReadStats()
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(2)
        if head != b"\x1f\x8b":
            raise WarcReadError(f"{path} is not a gzip file (a WARC of qptd is .warc.gz)")
        fh.seek(0)
        try:
            start = zlib.decompressobj(wbits=31).decompress(fh.read(_CHUNK), 5)
        except zlib.error as exc:
            raise WarcReadError(f"{path} is not a readable WARC file: {exc}") from None
        if start != b"WARC/":
            raise WarcReadError(f"{path} is not a readable WARC file: it holds no WARC record")
        offset = 0
        while offset < size:
            try:
                data, end = _inflate_member(fh, offset)
                if end is None:
                    # The file ends inside this member. Cut in its 8-byte trailer, the record
                    # itself is whole: it ends with its two CRLFs and its deflate data is done.
                    if not data.endswith(b"\r\n\r\n"):
                        raise _BadMemberError("cut short", cut=True)
                    end = size
                record = _record_of(data)
            except _BadMemberError as exc:
                resync = _next_member(fh, offset)
                if resync is None and exc.cut:
                    stats.torn += 1  # the last record, cut short: a killed crawl
                    return
                stats.damaged += 1  # corrupt bytes, not a kill: a whole record follows
                if resync is None:
                    return
                offset = resync[0]
                continue
            stats.records += 1
            yield offset, record
            offset = end


def read_record_at(folder: Path, file: str, offset: int) -> ArcWarcRecord:
    """The one record at ``offset`` of ``folder/file`` (its payload read); its metadata
    record, when one follows it, as ``qptd_metadata``."""
    path = folder / file
    found: ArcWarcRecord | None = None
    try:
        with path.open("rb") as fh:
            data, end = _inflate_member(fh, offset)
            if end is None:
                raise _BadMemberError("cut short")
            found = _record_of(data)
            found.qptd_metadata = None
            # Its request record, then its metadata record, if any.
            for _ in range(2):
                data, end = _inflate_member(fh, end)
                if end is None:
                    break
                record = _record_of(data)
                concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
                if record.rec_type == "metadata" and concurrent == found.rec_headers.get_header(
                    "WARC-Record-ID"
                ):
                    found.qptd_metadata = json.loads(record.qptd_payload or b"{}")
                    break
    except _BadMemberError as exc:
        if found is not None:
            return found  # the record itself is whole; what follows it is not
        raise WarcReadError(f"no whole record at offset {offset} of {path}: {exc}") from None
    return found


def header_list(headers: Any) -> list[tuple[str, str]]:
    """Scrapy's Headers (bytes, lists of values) as (name, value) text pairs."""
    out = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values if isinstance(values, list) else [values]:
            out.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


def warc_files(folder: Path, run_id: str | None = None) -> list[Path]:
    pattern = f"{run_id}-*.warc.gz" if run_id else "*.warc.gz"
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []
