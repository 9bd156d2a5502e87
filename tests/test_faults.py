"""Faults: the replica injects them, the crawler survives them, nothing is lost."""

from __future__ import annotations

import http.client
import json
import random
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed
from twisted.web.http import _DataLoss

from qptd_harness.reliability import run_once
from qptd_harness.replica import Portal, ReplicaServer
from qptd_harness.replica.faults import FAULT_KINDS, FaultPlan
from qptd_spider.cli import main
from qptd_spider.crawl.failures import FailureLog, failure_kind, read_failures
from qptd_spider.crawl.middlewares import backoff_delay


def _fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_is_served_then_heals(kind: str) -> None:
    plan = FaultPlan(
        rate=1.0, kinds=(kind,), max_failures=1, slow_seconds=0.2, oversized_bytes=50_000
    )
    server = ReplicaServer(Portal(12), faults=plan)
    server.start_in_thread()
    url = server.base_url + server.portal.path_of(2)
    try:
        if kind in ("reset", "truncated_length", "offsite_redirect"):
            with pytest.raises(
                (ConnectionError, http.client.IncompleteRead, urllib.error.URLError)
            ):
                _fetch(url)
        elif kind == "redirect_loop":
            assert _fetch(url)[0] == 302  # urllib gives up on the loop, as a crawler must
        else:
            status, headers, body = _fetch(url)
            if kind.startswith("http_"):
                assert status == int(kind[5:8])
                assert ("Retry-After" in headers) == kind.endswith("retry_after")
            elif kind == "truncated_close":
                assert status == 200 and not body.rstrip().endswith(b"</html>")
            elif kind == "charset_wrong":
                assert "iso-8859-1" in headers["Content-Type"]
            elif kind == "oversized":
                assert len(body) > 50_000
            elif kind == "soft_404":
                assert "Trang không tồn tại".encode() in body
        assert plan.injected[kind] == 1
        if kind not in ("malformed", "unclosed", "charset_wrong", "charset_missing"):
            status, _, body = _fetch(url)  # healed: the real page
            assert status == 200 and b"news-detail-layout-type-2" in body
    finally:
        server.shutdown()
        server.server_close()


def test_fault_plans_are_repeatable_and_checked() -> None:
    one = FaultPlan(rate=0.3, seed=4)
    two = FaultPlan(rate=0.3, seed=4)
    paths = [f"/a/{i}.html" for i in range(2000)]
    assert [one.planned(p) for p in paths] == [two.planned(p) for p in paths]
    share = sum(1 for p in paths if one.planned(p)) / len(paths)
    assert 0.25 < share < 0.35
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultPlan(kinds=("gremlins",))
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan(rate=1.5)


def _failure(exc: Exception) -> Failure:
    try:
        raise exc
    except Exception:
        return Failure()


def test_failure_kinds() -> None:
    response = HtmlResponse("http://x.vn/a.html", status=503, request=Request("http://x.vn/a.html"))
    assert failure_kind(_failure(HttpError(response, "503"))) == "http_503"
    assert failure_kind(_failure(TimeoutError())) == "timeout"
    assert failure_kind(_failure(CancelledError())) == "too_large"
    assert failure_kind(_failure(IgnoreRequest("offsite: http://127.0.0.2/a"))) == "offsite"
    assert failure_kind(_failure(IgnoreRequest("max redirections reached"))) == "redirect_loop"
    stopped = IgnoreRequest("the crawl is stopping: not fetched http://x.vn/a.html")
    assert failure_kind(_failure(stopped)) == "stopped"
    # A body cut short of its Content-Length is not a dropped connection: the page exists.
    assert failure_kind(_failure(ResponseFailed([_failure(_DataLoss())]))) == "data_loss"
    assert failure_kind(_failure(ResponseFailed([_failure(ConnectionLost())]))) == (
        "connection_lost"
    )


def test_backoff_waits_longer_each_time_and_obeys_retry_after() -> None:
    rng = random.Random(1)
    caps = [max(backoff_delay(n, 1.0, 60, None, rng) for _ in range(200)) for n in (1, 3, 5)]
    assert caps[0] <= 1.0 < caps[1] <= 4.0 < caps[2] <= 16.0
    assert backoff_delay(1, 1.0, 60, "7", rng) == 7.0
    assert backoff_delay(1, 1.0, 5, "120", rng) == 5.0  # a cap on what a server may ask


def test_failures_file_round_trip(tmp_path: Path) -> None:
    log = FailureLog(tmp_path / "f.jsonl")
    log.record("https://x.vn/a.html", "http_503", "503 Service Unavailable", 4, page="article")
    log.record("https://x.vn/a.html", "timeout", "took too long", 4, page="article")
    log.close()
    with (tmp_path / "f.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"url": "torn')  # a killed crawl's last line
    records = read_failures([tmp_path / "f.jsonl"])
    assert len(records) == 1 and records[0]["kind"] == "timeout"
    assert set(records[0]) >= {"url", "kind", "error", "attempts", "page", "failed_at"}


def test_retry_failed_needs_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["retry-failed", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl does not exist" in capsys.readouterr().err
    binary = tmp_path / "image.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" * 20)
    assert main(["retry-failed", str(binary)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qptd: not a failures file: ") and "image.jpg, line 1" in err
    assert err.count("\n") == 1


@pytest.mark.integration
def test_a_faulty_portal_loses_nothing_after_retry(tmp_path: Path) -> None:
    result = run_once(articles=150, rate=0.5, workdir=tmp_path, seed=3)
    assert result.lost == []
    assert result.wrong == []
    assert result.correct == 150 and result.duplicated == 0
    assert result.runs[0].failed > 0 and result.recovered > 0
    assert sum(result.injected.values()) > 60
    assert set(result.injected) == set(FAULT_KINDS)  # every kind was met


@pytest.mark.integration
@pytest.mark.parametrize("scenario", ["kill", "merge"])
def test_a_kill_or_a_merge_mid_crawl_under_faults_loses_nothing(
    tmp_path: Path, scenario: str
) -> None:
    result = run_once(articles=120, rate=0.2, workdir=tmp_path, seed=5, scenario=scenario)
    assert (result.lost, result.wrong, result.duplicated) == ([], [], 0)
    assert result.correct == 120


def test_requests_off_the_crawl_target_are_dropped() -> None:
    from scrapy.utils.test import get_crawler

    from qptd_spider.crawl.middlewares import PortalOnlyMiddleware

    replica = PortalOnlyMiddleware(
        get_crawler(settings_dict={"QPTD_BASE_URL": "http://127.0.0.1:8000"})
    )
    assert replica.process_request(Request("http://127.0.0.1:8000/a/b.html")) is None
    for offsite in (
        "http://127.0.0.2:8000/a/b.html",
        "https://example.com/",
        "https://tapchiqptd.vn/a.html",
        # Issue 11: a crawl of the replica never follows a redirect to the live portal.
        "https://qptd.com.vn/a/b.html",
        "https://quocphongthudo.vn/a/b.html",
    ):
        with pytest.raises(IgnoreRequest, match="offsite"):
            replica.process_request(Request(offsite))
    live = PortalOnlyMiddleware(get_crawler(settings_dict={"QPTD_BASE_URL": ""}))
    for alias in ("https://qptd.com.vn/a/b.html", "https://www.quocphongthudo.vn/a.html"):
        assert live.process_request(Request(alias)) is None
    with pytest.raises(IgnoreRequest, match="offsite"):
        live.process_request(Request("http://127.0.0.1:8000/a/b.html"))


def test_a_regenerated_reliability_report_keeps_what_was_measured_elsewhere() -> None:
    from qptd_harness.reliability import KEPT_MARKER, kept_sections

    old = f"# tables\n| a |\n{KEPT_MARKER}\n## Re-parse\nnumbers\n"
    assert kept_sections(old) == f"\n{KEPT_MARKER}\n## Re-parse\nnumbers\n"
    assert kept_sections("# tables only\n") == ""


def _failures_file(path: Path, urls: list[str]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for url in urls:
            record = {"url": url, "kind": "http_503", "error": "503", "attempts": 4}
            fh.write(json.dumps({**record, "page": "article", "failed_at": "2026-01-01"}) + "\n")
    return path


def test_retry_failed_takes_its_target_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24: a replica's failures file was retried against the live portal."""
    import qptd_spider.cli as cli

    crawls: list[list[str]] = []
    monkeypatch.setattr(cli, "run_scrapy_crawl", lambda args: crawls.append(list(args)) or 0)
    replica = _failures_file(
        tmp_path / "replica.jsonl",
        ["http://127.0.0.1:8123/quoc-te/a.html", "http://127.0.0.1:8123/quoc-te/b.html"],
    )
    exports = tmp_path / "exports"
    assert main(["retry-failed", str(replica), "--exports", str(exports)]) == 0
    (args,) = crawls
    assert "base_url=http://127.0.0.1:8123" in args
    assert f"QPTD_EXPORTS={exports.resolve()}" in args
    assert "retrying 2 page(s) of http://127.0.0.1:8123" in capsys.readouterr().out


def test_retry_failed_refuses_a_file_of_several_targets_or_another_base_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import qptd_spider.cli as cli

    monkeypatch.setattr(cli, "run_scrapy_crawl", lambda args: pytest.fail("must not crawl"))
    mixed = _failures_file(
        tmp_path / "mixed.jsonl",
        ["http://127.0.0.1:8123/quoc-te/a.html", "https://quocphongthudo.vn/quoc-te/b.html"],
    )
    assert main(["retry-failed", str(mixed)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "several crawl targets" in err and "127.0.0.1:8123" in err
    replica = _failures_file(tmp_path / "r.jsonl", ["http://127.0.0.1:8123/quoc-te/a.html"])
    assert main(["retry-failed", str(replica), "--base-url", "https://quocphongthudo.vn"]) == 2
    err = capsys.readouterr().err
    assert "failures of http://127.0.0.1:8123, not of --base-url https://quocphongthudo.vn" in err


def _named(name: str) -> Exception:
    """An exception of a class called ``name`` (Scrapy's newer wrappers are read by name)."""
    return type(name, (Exception,), {})()


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (TCPTimedOutError(), "timeout"),
        (ConnectionLost(), "connection_lost"),
        (DNSLookupError(), "dns"),
        (ConnectError(), "connect"),
        (IgnoreRequest("Response too big: DOWNLOAD_MAXSIZE exceeded"), "too_large"),
        (IgnoreRequest("The URL time budget was used up"), "time_budget"),
        (IgnoreRequest("Request limit reached"), "limit"),
        (IgnoreRequest("Filtered: not allowed by the target"), "offsite"),
        (IgnoreRequest("OFFSITE request"), "offsite"),
        (IgnoreRequest("Redirect to a page seen before"), "redirect_loop"),
        (IgnoreRequest("something else"), "ignored"),
        (_named("DownloadTimeoutError"), "timeout"),
        (_named("ResponseDataLossError"), "data_loss"),
        (_named("DownloadCancelledError"), "too_large"),
        (_named("DownloadConnectionLostError"), "connection_lost"),
        (_named("DownloadConnectionRefusedError"), "connect"),
        (_named("DownloadFailedError"), "connection_lost"),
        (_named("SomethingNewError"), "SomethingNewError"),
    ],
)
def test_every_failure_kind_has_its_name(error: Exception, kind: str) -> None:
    """One row per branch of failure_kind (the mutation run left most of them unguarded)."""
    assert failure_kind(_failure(error)) == kind


def test_a_response_failed_for_several_reasons_is_data_loss_if_one_is() -> None:
    reasons = [_failure(ConnectionLost()), _failure(_DataLoss())]
    assert failure_kind(_failure(ResponseFailed(reasons))) == "data_loss"
    assert failure_kind(_failure(ResponseFailed([]))) == "connection_lost"
