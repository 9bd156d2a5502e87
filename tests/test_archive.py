"""The crawl archive (WARC), re-parse from it, and diffs of versions (issue 14)."""

from __future__ import annotations

import codecs
import gzip
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
import urllib.request
import zlib
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from qptd_harness.loopback import LoopbackServer
from qptd_harness.replica import Portal
from qptd_harness.runner import PROJECT_ROOT, crawl_command
from qptd_spider.cli import main
from qptd_spider.dataset import merge_pending, read_dataset
from qptd_spider.dataset.diff import diff_versions
from qptd_spider.dataset.versions import current_version, list_versions
from qptd_spider.layout import ExportsLayout
from qptd_spider.normalize import article
from qptd_spider.offline.reparse import Reparser, reparse
from qptd_spider.pages import ArticlePage
from qptd_spider.runs import RunError, find_run, pending_runs
from qptd_spider.warc import ReadStats, iter_archive, read_record_at, warc_files
from tests.conftest import StartReplica, isolated_crawl_settings, latest_run_file

pytestmark = pytest.mark.integration
WARCIO = str(Path(sys.executable).with_name("warcio"))


def _crawl(server: Any, exports: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    command = crawl_command(
        None,
        {"base_url": server.base_url},
        {**isolated_crawl_settings(exports.parent), "QPTD_EXPORTS": str(exports), **settings},
    )
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def _archived_pages(layout: ExportsLayout) -> int:
    """Article pages the crawl parsed (journaled): an article fetched under its second path
    too is two pages, one row."""
    (crawl,) = [p for p in layout.runs.iterdir() if (p / "journal.jsonl").exists()]
    return (crawl / "journal.jsonl").read_bytes().count(b"\n")


def _rows(exports: Path) -> dict[str, dict[str, Any]]:
    return {r["url"]: r for r in read_dataset(ExportsLayout(exports)).to_pylist()}


@pytest.fixture
def crawled(start_replica: StartReplica, tmp_path: Path) -> tuple[Any, Path]:
    server = start_replica(40)
    exports = tmp_path / "exports"
    done = _crawl(server, exports)
    assert done.returncode == 0, done.stderr[-2000:]
    merge_pending(exports)
    return server, exports


def test_every_response_is_archived_and_standard_tools_read_it(crawled: tuple[Any, Path]) -> None:
    _, exports = crawled
    files = warc_files(exports / "warc")
    assert files and all(f.name.endswith(".warc.gz") for f in files)
    for path in files:
        assert subprocess.run([WARCIO, "check", str(path)], capture_output=True).returncode == 0
        index = subprocess.run([WARCIO, "index", str(path)], capture_output=True, text=True)
        assert index.returncode == 0
        kinds = {json.loads(line)["warc-type"] for line in index.stdout.splitlines()}
        assert kinds >= {"warcinfo", "response", "request"}
    report = latest_run_file(exports)
    assert report["archive"]["records"] > 0
    assert report["archive"]["bytes_per_article"] == report["archive"]["bytes"] // 40 or (
        abs(report["archive"]["bytes_per_article"] - report["archive"]["bytes"] / 40) < 1
    )
    # A record's payload is the body the server sent.
    checked = 0
    for _, record in iter_archive(files[0]):
        url = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "response" and url.endswith(".html") and checked < 5:
            with urllib.request.urlopen(url) as served:
                assert record.qptd_payload == served.read()
            checked += 1
    assert checked == 5


def test_every_row_points_at_the_bytes_it_came_from(crawled: tuple[Any, Path]) -> None:
    _, exports = crawled
    for row in list(_rows(exports).values())[:10]:
        ref = row["warc_record"]
        record = read_record_at(exports / "warc", ref["file"], ref["offset"])
        assert record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]
        page = ArticlePage(
            record.qptd_payload.decode(), record.rec_headers.get_header("WARC-Target-URI")
        )
        assert page.title() == row["title"]
        assert row["parser_version"].startswith("0.1.0+")


def test_a_reparse_of_the_crawl_reproduces_its_rows_exactly(crawled: tuple[Any, Path]) -> None:
    _, exports = crawled
    layout = ExportsLayout(exports)
    before = _rows(exports)
    assert len(before) == 40
    # Every archived article page, an article fetched under its second path too (the crawl
    # journaled both copies; the dataset holds the article once).
    pages = _archived_pages(layout)
    result = reparse(layout, everything=True)
    assert result.items == pages and result.torn_records == 0
    merged = merge_pending(exports)
    assert merged is not None and merged.version is None  # nothing changed: no version
    assert (merged.added, merged.updated, merged.unchanged) == (0, 0, 40)
    assert _rows(exports) == before


def test_worker_processes_write_the_same_run_as_one_process(crawled: tuple[Any, Path]) -> None:
    _, exports = crawled
    layout = ExportsLayout(exports)
    alone = reparse(layout, everything=True, jobs=1)
    # Past its first 5 pages, the rest in worker processes.
    pooled = reparse(layout, everything=True, jobs=2, inline_pages=5)
    assert (pooled.items, pooled.failed, pooled.skipped) == (
        alone.items,
        alone.failed,
        alone.skipped,
    )
    journals = [layout.run(r.run_id).journal.read_bytes() for r in (alone, pooled)]
    assert journals[0] == journals[1] and journals[0].count(b"\n") == alone.items >= 40


def _worker_dies(batch: list[Any]) -> list[Any]:
    os._exit(1)  # as a worker killed by the kernel (out of memory) would


def test_a_worker_that_dies_fails_the_run_with_one_line_and_holds_it_back(
    crawled: tuple[Any, Path],
) -> None:
    _, exports = crawled
    layout = ExportsLayout(exports)
    reparser = Reparser(layout, jobs=2, inline_pages=5)
    reparser.batch_parser = _worker_dies
    with pytest.raises(RunError, match="worker process died"):
        reparser.run(warc_files(layout.warc))
    run = find_run(layout, reparser.run_id)
    assert run.status == "failed"
    assert run.run_id not in {r.run_id for r in pending_runs(layout)}
    assert reparser.result.items == 5  # what it parsed before is journaled, and valid
    assert layout.run(reparser.run_id).journal.read_bytes().count(b"\n") == 5


def test_a_parser_error_on_one_page_fails_that_page_only(
    crawled: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, exports = crawled
    layout = ExportsLayout(exports)
    original = ArticlePage.to_item
    broken: list[str] = []

    def to_item(self: ArticlePage, crawled_at: str = "") -> Any:
        if not broken:
            broken.append(self.url)
            raise KeyError("a parser bug")
        return original(self, crawled_at)

    pages = _archived_pages(layout)
    monkeypatch.setattr(ArticlePage, "to_item", to_item)
    result = reparse(layout, everything=True, jobs=1)
    assert result.items == pages - 1
    failures = [
        json.loads(line)
        for line in layout.run(result.run_id).failures.read_text(encoding="utf-8").splitlines()
    ]
    [failure] = [f for f in failures if "parser error" in f["error"]]
    # Under its canonical URL (the crawl's own failures are), not the replica's host.
    assert broken[0].startswith("http://127.0.0.1:")
    canonical = "https://quocphongthudo.vn" + urlsplit(broken[0]).path
    assert failure["url"] == canonical and failure["kind"] == "reparse"
    assert "KeyError" in failure["error"]
    assert find_run(layout, result.run_id).status == "finished"


def test_a_normalizer_fix_changes_exactly_the_rows_it_affects(
    crawled: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, exports = crawled
    layout = ExportsLayout(exports)
    before = _rows(exports)
    with_position = {u for u, r in before.items() if r["position"]}
    assert 0 < len(with_position) < 40

    def shout_positions(item: Any) -> list[str]:
        changed = article.normalize_signature(item)
        if item.get("position"):
            item["position"] = item["position"].upper()
            changed.append("position")
        return changed

    patched = tuple(
        shout_positions if n is article.normalize_signature else n for n in article.NORMALIZERS
    )
    monkeypatch.setattr(article, "NORMALIZERS", patched)
    reparse(layout, everything=True)
    merged = merge_pending(exports)
    assert merged is not None and merged.version is not None
    assert (merged.updated, merged.unchanged) == (len(with_position), 40 - len(with_position))
    assert merged.changes == {"position": len(with_position)}
    after = _rows(exports)
    for url, row in after.items():
        if url in with_position:
            assert row["position"] == before[url]["position"].upper()
            assert row["revision"] == before[url]["revision"] + 1
        else:
            assert row == before[url]  # byte for byte, parser version included
    diff = diff_versions(layout)
    assert (diff.changed, diff.added, diff.removed) == (len(with_position), 0, 0)
    assert diff.fields == {"position": len(with_position)}
    assert main(["diff", "--exports", str(exports), "--json"]) == 0


def test_304_revisits_reparse_to_the_stored_version(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    portal = Portal(30, seed=5, newest=datetime.now(UTC))  # young articles: re-checked
    server = start_replica(portal=portal)
    exports = tmp_path / "exports"
    assert _crawl(server, exports).returncode == 0
    merge_pending(exports)
    stored = _rows(exports)
    second = _crawl(server, exports)
    assert second.returncode == 0
    revisits = 0
    second_run = sorted((exports / "runs").iterdir())[-1].name
    for path in warc_files(exports / "warc", second_run):
        revisits += sum(1 for _, r in iter_archive(path) if r.rec_type == "revisit")
    assert revisits > 0
    merge_pending(exports)
    result = reparse(ExportsLayout(exports), [second_run])
    # Every revisit re-parses; what fails is only the replica's dead related links.
    assert result.items >= revisits and set(result.failures_by_reason) <= {"soft_404"}
    merged = merge_pending(exports)
    assert merged is not None and merged.version is None
    # A page of an article's second path is one more copy of an unchanged row.
    assert merged.unchanged + merged.duplicates_in_run == result.items
    assert _rows(exports) == stored


def test_the_archive_of_a_killed_crawl_reads_back(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(200)
    exports = tmp_path / "exports"
    command = crawl_command(
        None,
        {"base_url": server.base_url},
        {
            **isolated_crawl_settings(tmp_path),
            "QPTD_EXPORTS": str(exports),
            "CONCURRENT_REQUESTS": "2",
            "DOWNLOAD_DELAY": "0.01",
        },
    )
    crawl = subprocess.Popen(command, cwd=PROJECT_ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while sum(p.read_bytes().count(b"\n") for p in exports.glob("runs/*/journal.jsonl")) < 40:
        assert crawl.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    crawl.send_signal(signal.SIGKILL)
    crawl.wait()
    journaled = sum(p.read_bytes().count(b"\n") for p in exports.glob("runs/*/journal.jsonl"))
    stats = ReadStats()
    [path] = warc_files(exports / "warc")
    responses = sum(1 for _, r in iter_archive(path, stats) if r.rec_type == "response")
    assert stats.torn <= 1 and responses > journaled
    result = reparse(ExportsLayout(exports), [str(path)])
    assert result.items >= journaled


def test_bad_archives_are_named_and_the_rest_is_read(
    crawled: tuple[Any, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, exports = crawled
    [good] = warc_files(exports / "warc")
    not_gzip = tmp_path / "plain.warc.gz"
    not_gzip.write_text("WARC/1.1\r\nnot compressed\r\n")
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(gzip.compress(b"this is no WARC record at all\n" * 20))
    truncated = tmp_path / "cut.warc.gz"
    # Cut in the middle of a record half way through the file (a cut between two records,
    # or in a member's 8-byte trailer, leaves only whole records: nothing torn).
    offsets = [offset for offset, _ in iter_archive(good)]
    middle = len(offsets) // 2
    truncated.write_bytes(good.read_bytes()[: (offsets[middle] + offsets[middle + 1]) // 2])
    code = main(
        [
            "reparse",
            str(not_gzip),
            str(garbage),
            str(truncated),
            str(good),
            "--exports",
            str(exports),
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "plain.warc.gz is not a gzip file" in captured.err
    assert "garbage.warc.gz is not a readable WARC file" in captured.err
    # The good file whole, and the cut one up to its torn record.
    assert "1 torn record(s) skipped" in captured.out
    parsed = int(captured.out.split(" articles re-parsed from 2 WARC file(s)")[0].split()[-1])
    assert 40 < parsed < 80
    assert main(["reparse", "20990101T000000000000Z", "--exports", str(exports)]) == 2
    assert "neither a WARC file nor a run" in capsys.readouterr().err


def test_a_reparse_that_reads_no_file_is_a_failed_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 22, point 17: it exited 2 and recorded its run "finished", ready to merge.
    exports = tmp_path / "exports"
    not_gzip = tmp_path / "plain.warc.gz"
    not_gzip.write_text("WARC/1.1\r\nnot compressed\r\n")
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(gzip.compress(b"this is no WARC record at all\n" * 20))
    assert main(["reparse", str(not_gzip), str(garbage), "--exports", str(exports)]) == 2
    assert "plain.warc.gz is not a gzip file" in capsys.readouterr().err
    layout = ExportsLayout(exports)
    [run] = (exports / "runs").iterdir()
    record = find_run(layout, run.name)
    assert record.status == "failed"
    assert record.records[0]["health"]["ok"] is False
    assert record.records[0]["finish_reason"].startswith("no WARC file could be read: ")
    assert pending_runs(layout) == []


@pytest.mark.parametrize("record_kind", ["response", "request", "metadata"])
def test_a_cut_anywhere_in_the_last_record_is_counted_torn_and_not_read(
    crawled: tuple[Any, Path], tmp_path: Path, record_kind: str
) -> None:
    _, exports = crawled
    [good] = warc_files(exports / "warc")
    data = good.read_bytes()
    records = [(offset, r.rec_type) for offset, r in iter_archive(good)]
    ends = [offset for offset, _ in records[1:]] + [len(data)]
    index = next(k for k, (_, kind) in enumerate(records) if k > 0 and kind == record_kind)
    start, end = records[index][0], ends[index]
    cut = tmp_path / "cut.warc.gz"
    # Cuts in the record's gzip header, its WARC headers, its body: the record is torn.
    for position in {start + 5, start + (end - start) // 10, (start + end) // 2, end - 30}:
        cut.write_bytes(data[:position])
        stats = ReadStats()
        assert [o for o, _ in iter_archive(cut, stats)] == [o for o, _ in records[:index]]
        assert stats.torn == 1, position
    # A cut in the 8-byte gzip trailer leaves the record itself whole.
    for missing in (1, 4, 8):
        cut.write_bytes(data[: end - missing])
        stats = ReadStats()
        assert len(list(iter_archive(cut, stats))) == index + 1
        assert stats.torn == 0, missing


def _cp1258(text: str) -> bytes:
    """``text`` in windows-1258, which has few composed Vietnamese letters: the others as a
    letter it has followed by a combining tone mark (as Windows writes them), and what it
    has no letter for as a character reference."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        try:
            mark = decomposed[-1].encode("cp1258")
        except UnicodeEncodeError:
            mark = b""
        if len(decomposed) > 1 and mark:
            out += _cp1258(unicodedata.normalize("NFC", decomposed[:-1])) + mark
        else:
            out += f"&#{ord(char)};".encode()
    return bytes(out)


def _reencode(path: str, body: bytes) -> tuple[bytes, dict[str, str]]:
    """An article page of the replica (UTF-8) as a server in another charset sends it: the
    charset in the header, in the page's meta only, a UTF-16 page gzipped, or a UTF-16 page
    that only its BOM tells."""
    text = body.decode("utf-8")
    form = sum(path.encode()) % 4
    if form == 0:
        page = text.replace("charset=utf-8", "charset=windows-1258")
        return _cp1258(page), {"Content-Type": "text/html; charset=windows-1258"}
    if form == 1:
        page = text.replace("charset=utf-8", "charset=windows-1258")
        return _cp1258(page), {"Content-Type": "text/html"}
    if form == 2:
        page = text.replace("charset=utf-8", "charset=utf-16")
        return gzip.compress(page.encode("utf-16")), {
            "Content-Type": "text/html; charset=utf-16",
            "Content-Encoding": "gzip",
        }
    page = text.replace('<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', "")
    return codecs.BOM_UTF16_BE + page.encode("utf-16-be"), {"Content-Type": "text/html"}


class _ReencodingProxy(LoopbackServer):
    """In front of a replica: every article page in another charset (``_reencode``)."""

    def __init__(self, upstream: str):
        self.upstream = urlsplit(upstream).netloc
        self.reencoded = 0
        self.forms: set[int] = set()
        super().__init__("127.0.0.1", 0, _ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ReencodingProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        connection = http.client.HTTPConnection(self.server.upstream, timeout=30)
        connection.request("GET", self.path)
        answer = connection.getresponse()
        body = answer.read()
        headers = {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_HEADERS}
        connection.close()
        if answer.status == 200 and urlsplit(self.path).path.endswith(".html"):
            body, changed = _reencode(self.path, body)
            self.server.forms.add(sum(self.path.encode()) % 4)
            headers.update(changed)
            self.server.reencoded += 1
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


_HOP_HEADERS = {"content-length", "connection", "transfer-encoding", "keep-alive"}


def test_a_reparse_of_pages_in_other_charsets_reproduces_the_crawls_rows(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    # Issue 22, point 1: re-parse decoded every archived page as UTF-8, so a windows-1258
    # or UTF-16 page the crawl read right came back as mojibake, and merge took it.
    server = start_replica(15)
    proxy = _ReencodingProxy(server.base_url)
    proxy.start_in_thread()
    try:
        exports = tmp_path / "exports"
        done = _crawl(proxy, exports)
        assert done.returncode == 0, done.stderr[-2000:]
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert proxy.reencoded >= 15
    assert proxy.forms == {0, 1, 2, 3}
    merge_pending(exports)
    crawled = _rows(exports)
    assert len(crawled) == 15
    # The crawl read them right: Vietnamese letters, no replacement character.
    text = json.dumps(list(crawled.values()), ensure_ascii=False, default=str)
    assert "\ufffd" not in text and "ệ" in text
    layout = ExportsLayout(exports)
    pages = _archived_pages(layout)
    result = reparse(layout, everything=True, jobs=1)
    assert (result.items, result.failed) == (pages, 0)
    merged = merge_pending(exports)
    assert merged is not None and merged.version is None
    assert (merged.added, merged.updated, merged.unchanged) == (0, 0, 15)
    assert _rows(exports) == crawled
    # The journals themselves, row for row, but for the aliases the crawl found on other
    # pages (``other_urls``: not in an article's own bytes; merge keeps them).
    crawl_rows = _journal(layout, exclude=result.run_id)
    reparse_rows = _journal(layout, only=result.run_id)
    assert len(reparse_rows) == pages
    for row in crawl_rows + reparse_rows:
        row.pop("other_urls")
    assert reparse_rows == crawl_rows


def _journal(layout: ExportsLayout, only: str = "", exclude: str = "") -> list[dict[str, Any]]:
    rows = []
    for folder in sorted(layout.runs.iterdir()):
        if (only and folder.name != only) or folder.name == exclude:
            continue
        journal = folder / "journal.jsonl"
        rows += [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda r: (r["url"], r["crawled_at"]))


def _gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzipped (about 1/200 of it), made without holding them."""
    deflate = zlib.compressobj(1, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(deflate.compress(zeros) for _ in range(size >> 20)) + deflate.flush()


def _reparse_peak_memory(exports: Path, warc: Path) -> tuple[int, int]:
    """(exit code, peak resident memory in MB) of ``qptd reparse`` of one file, alone."""
    command = [sys.executable, "-m", "qptd_spider.cli", "reparse", str(warc), "--jobs", "1"]
    process = subprocess.Popen(
        [*command, "--exports", str(exports)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss // 1024  # kilobytes on Linux


def test_a_gzip_bomb_in_the_archive_fails_too_large_in_bounded_memory(tmp_path: Path) -> None:
    # Issue 22, point 9: the crawl stopped a bomb at DOWNLOAD_MAXSIZE (16 MB) but re-parse
    # inflated it whole (5.3 GB). It inflates with the crawl's limit now, and says so.
    from qptd_spider.warc import MAXSIZE_FIELD, WarcArchive

    base = "http://127.0.0.1:1"
    info = {
        "qptd-target": {"id": "replica", "base_url": base, "canonical_base": CANONICAL},
        MAXSIZE_FIELD: 16 * 1024 * 1024,
    }
    archive = WarcArchive(tmp_path / "w", "bomb", info)
    bomb_url = f"{base}/thoi-su/bom-nen.html"
    archive.write_exchange(
        bomb_url,
        "GET",
        [],
        200,
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        _gzip_bomb(1024**3),
        "2026-01-01T00:00:00Z",
    )
    archive.write_exchange(
        f"{base}/thoi-su/bai-thuong.html",
        "GET",
        [],
        200,
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        gzip.compress(_ARTICLE.encode()),
        "2026-01-01T00:00:00Z",
    )
    archive.close()
    [warc] = warc_files(tmp_path / "w")
    assert warc.stat().st_size < 6 * 1024**2
    exports = tmp_path / "exports"
    code, peak_mb = _reparse_peak_memory(exports, warc)
    assert code == 0
    # The bomb is 1024 MB inflated: 2,228 MB peak before, 212 MB now (183 MB without it).
    assert peak_mb < 400, peak_mb
    record = latest_run_file(exports, "run.json")
    assert record["counts"]["exported"] == 1
    assert record["counts"]["failed"] == 1
    [run] = (exports / "runs").iterdir()
    [failure] = [json.loads(line) for line in (run / "failures.jsonl").read_text().splitlines()]
    assert failure["kind"] == "too_large"
    assert failure["url"] == f"{CANONICAL}/thoi-su/bom-nen.html"  # not the crawled host
    assert "DOWNLOAD_MAXSIZE (16777216 B)" in failure["error"]


CANONICAL = "https://quocphongthudo.vn"
_ARTICLE = (
    '<html><head><meta charset="utf-8"></head><body>'
    '<article class="news-detail-layout-type-2"><h1 class="title-detail">Bài thường</h1>'
    '<div class="content-detail"><p>Nội dung bài viết.</p></div><div class="rating"></div>'
    "</article></body></html>"
)


def test_a_flipped_byte_damages_one_record_and_the_rest_is_read(
    crawled: tuple[Any, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 22, point 14: one flipped byte in the middle of the file used to end the file
    # there ("a killed crawl"). Each record is its own gzip member: read on from the next.
    _, exports = crawled
    layout = ExportsLayout(exports)
    [good] = warc_files(exports / "warc")
    data = bytearray(good.read_bytes())
    records = [
        (o, r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for o, r in iter_archive(good)
    ]
    ends = [offset for offset, _, _ in records[1:]] + [len(data)]
    # Responses of pages the crawl journaled (not dead links, not other content types).
    (run,) = [p for p in layout.runs.iterdir() if (p / "journal.jsonl").exists()]
    journaled = {
        urlsplit(json.loads(line)["url"]).path
        for line in (run / "journal.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    }
    responses = [
        k
        for k, (_, kind, url) in enumerate(records)
        if kind == "response" and urlsplit(url).path in journaled
    ]
    index = responses[len(responses) // 2]  # an article's response, half way through
    start, end = records[index][0], ends[index]
    flipped = tmp_path / "flipped.warc.gz"
    for position in (start + 20, (start + end) // 2, end - 12):  # header, body, near its end
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        flipped.write_bytes(bytes(damaged))
        stats = ReadStats()
        read = [o for o, _ in iter_archive(flipped, stats)]
        assert read == [o for k, (o, _, _) in enumerate(records) if k != index], position
        assert (stats.records, stats.damaged, stats.torn) == (len(records) - 1, 1, 0)
    assert main(["reparse", str(flipped), "--exports", str(exports)]) == 0
    out = capsys.readouterr().out
    assert f": {len(responses) - 1} articles re-parsed from 1 WARC file(s)" in out
    assert "1 damaged record(s) skipped" in out and "torn" not in out
    report = latest_run_file(exports)
    assert (report["damaged_records"], report["torn_records"]) == (1, 0)


def test_records_of_another_site_or_not_html_are_failures_of_kind_reparse(
    crawled: tuple[Any, Path], tmp_path: Path
) -> None:
    from qptd_spider.warc import WarcArchive

    _, exports = crawled
    info = {
        "qptd-target": {
            "id": "replica",
            "base_url": "http://127.0.0.1:1",
            "canonical_base": "https://quocphongthudo.vn",
            "live": False,
        }
    }
    archive = WarcArchive(tmp_path / "w", "odd", info)
    html = (
        b'<html><body><article class="news-detail-layout-type-2"><h1 class="title-detail">T'
        b'</h1><div class="rating"></div></article></body></html>'
    )
    archive.write_exchange(
        "http://example.com/a/b.html",
        "GET",
        [],
        200,
        [("Content-Type", "text/html")],
        html,
        "2026-01-01T00:00:00Z",
    )
    archive.write_exchange(
        "http://127.0.0.1:1/a/c.html",
        "GET",
        [],
        200,
        [("Content-Type", "image/jpeg")],
        b"\xff\xd8",
        "2026-01-01T00:00:00Z",
    )
    archive.write_exchange(
        "http://127.0.0.1:1/a/d.html",
        "GET",
        [],
        200,
        [("Content-Type", "text/html")],
        html,
        "2026-01-01T00:00:00Z",
    )
    archive.close()
    result = reparse(ExportsLayout(exports), [str(p) for p in warc_files(tmp_path / "w")])
    assert result.items == 1
    assert result.failures_by_reason == {
        "not a page of the run's target": 1,
        "not HTML (image/jpeg)": 1,
    }
    failures = [
        json.loads(line)
        for line in (exports / "runs" / result.run_id / "failures.jsonl").read_text().splitlines()
    ]
    assert [f["kind"] for f in failures] == ["reparse", "reparse"]
    # A page of the target under its canonical URL, as the crawl records it; another
    # site's page as it was.
    assert [f["url"] for f in failures] == [
        "http://example.com/a/b.html",
        "https://quocphongthudo.vn/a/c.html",
    ]


def _article_html(title: str) -> bytes:
    return _ARTICLE.replace("Bài thường", title).encode()


def _exchange(archive: Any, url: str, status: int, html: bytes, *headers: tuple[str, str]) -> Any:
    return archive.write_exchange(
        url,
        "GET",
        [],
        status,
        [("Content-Type", "text/html; charset=utf-8"), *headers],
        html,
        "2026-01-01T00:00:00Z",
    )


_TARGET_INFO = {
    "qptd-target": {"id": "replica", "base_url": "http://127.0.0.1:1", "canonical_base": CANONICAL}
}


def test_revisits_refer_only_to_the_same_page_inside_the_archive_folder(tmp_path: Path) -> None:
    # Issue 22, point 15: a revisit's QPTD-Refers-To-File was read wherever it pointed
    # (../../...), and whatever record it found became the revisit's row.
    from qptd_spider.warc import WarcArchive, WarcRef

    base = "http://127.0.0.1:1/thoi-su"
    outside = WarcArchive(tmp_path / "elsewhere", "other", _TARGET_INFO)
    foreign = _exchange(outside, f"{base}/x.html", 200, _article_html("Bài bên ngoài"))
    outside.close()
    archive = WarcArchive(tmp_path / "warc", "run", _TARGET_INFO)
    stored = _exchange(archive, f"{base}/x.html", 200, _article_html("Bài đã lưu"))

    def revisit(url: str, refers_to: WarcRef) -> None:
        archive.write_revisit(url, "GET", [], 304, [], "2026-01-02T00:00:00Z", refers_to)

    revisit(f"{base}/x.html", stored)  # as a crawl writes it: read
    escaped = str(Path("..") / "elsewhere" / foreign.file)
    revisit(f"{base}/x.html", WarcRef(**{**foreign.as_dict(), "file": escaped}))
    absolute = str(tmp_path / "elsewhere" / foreign.file)
    revisit(f"{base}/x.html", WarcRef(**{**foreign.as_dict(), "file": absolute}))
    revisit(f"{base}/y.html", stored)  # another page's body
    archive.close()
    exports = tmp_path / "exports"
    result = reparse(ExportsLayout(exports), [str(p) for p in warc_files(tmp_path / "warc")])
    assert (result.items, result.failed) == (2, 3)
    journal = ExportsLayout(exports).run(result.run_id).journal.read_text(encoding="utf-8")
    assert [json.loads(line)["title"] for line in journal.splitlines()] == ["Bài đã lưu"] * 2
    assert result.failures_by_reason == {
        "the archived copy a 304 refers to is outside the archive folder": 2,
        "the archived copy a 304 refers to is of another page": 1,
    }


def test_archived_redirects_and_errors_are_skipped_not_parsed(tmp_path: Path) -> None:
    # A mutant survived that handed archived redirects to the parser (reparse.py:326 at
    # 11ca4dc): a redirect's body is no article, whatever it holds; the crawl followed it.
    from qptd_spider.warc import WarcArchive

    base = "http://127.0.0.1:1/thoi-su"
    archive = WarcArchive(tmp_path / "warc", "run", _TARGET_INFO)
    for status in (301, 302, 308, 404, 500):
        _exchange(
            archive,
            f"{base}/bai-{status}.html",
            status,
            _article_html(f"Bài {status}"),
            ("Location", f"{base}/noi-khac.html"),
        )
    _exchange(archive, f"{base}/noi-khac.html", 200, _article_html("Bài đích"))
    archive.close()
    exports = tmp_path / "exports"
    result = reparse(ExportsLayout(exports), [str(p) for p in warc_files(tmp_path / "warc")])
    assert (result.items, result.failed, result.skipped) == (1, 0, 5)
    journal = ExportsLayout(exports).run(result.run_id).journal.read_text(encoding="utf-8")
    assert [json.loads(line)["url"] for line in journal.splitlines()] == [
        f"{CANONICAL}/thoi-su/noi-khac.html"
    ]


def test_the_archive_can_be_turned_off(start_replica: StartReplica, tmp_path: Path) -> None:
    server = start_replica(10)
    exports = tmp_path / "exports"
    assert _crawl(server, exports, QPTD_WARC="0").returncode == 0
    assert not (exports / "warc").exists()
    merge_pending(exports)
    assert all(r["warc_record"] is None for r in _rows(exports).values())


def test_the_manifest_keeps_the_changes_and_the_card_shows_a_changelog(
    crawled: tuple[Any, Path], start_replica: StartReplica
) -> None:
    from qptd_spider.dataset.hf import export_hf

    _, exports = crawled
    layout = ExportsLayout(exports)
    edited = start_replica(portal=Portal(45, seed=1, edit_round=1, edit_every=10))
    assert _crawl(edited, exports, QPTD_RECHECK_DAYS="100000").returncode == 0
    merged = merge_pending(exports)
    assert merged is not None and merged.added == 5
    manifest = list_versions(layout)[-1]
    assert manifest["changes"] == merged.changes and manifest["added"] == 5
    card = (export_hf(layout).folder / "README.md").read_text(encoding="utf-8")
    assert "## Changelog" in card
    assert f"`{current_version(layout).name}`" in card  # type: ignore[union-attr]
