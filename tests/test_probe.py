"""``qptd probe``: a first look at a site, told to its operator (one screen, a verdict)."""

from __future__ import annotations

import pytest

from qptd_harness.replica import Portal
from qptd_harness.stored_site import REAL_CMS, StoredSiteServer
from qptd_spider.cli import main
from qptd_spider.probe import Fetched, probe
from tests.conftest import StartReplica

SITE = REAL_CMS / "pkbichdao.com"


def run_probe(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["probe", url, "--delay", "0"])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def field_line(lines: list[str], name: str) -> str:
    (line,) = [line for line in lines if line.strip().startswith(name + " ")]
    return line


@pytest.mark.skipif(not SITE.is_dir(), reason=f"the real CMS pages are not here ({SITE})")
def test_probe_of_the_real_cms_site_says_what_matched(capsys: pytest.CaptureFixture[str]) -> None:
    server = StoredSiteServer(SITE)
    server.start_in_thread()
    try:
        code, lines, err = run_probe(server.base_url, capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert (code, err) == (0, "")
    assert lines[-1].split(None, 1) == ["verdict", "ready to crawl"]
    # The real CMS: the body div without microdata, the date of the header span, lists
    # from the page scripts' module configs.
    assert "3/3   div.content-detail ×3" in field_line(lines, "body")
    assert "header ×3" in field_line(lines, "published_at")
    assert "Article.List.list" in field_line(lines, "list layouts")
    assert field_line(lines, "sitemap page").endswith("23 categories")
    assert len(lines) <= 40  # one screen


@pytest.mark.parametrize(
    ("template", "body_rule", "date_rule"),
    [("real", "div.content-detail", "header"), ("mixed", "itemprop=articleBody", "microdata")],
)
def test_probe_of_each_replica_template_names_its_rules(
    start_replica: StartReplica,
    capsys: pytest.CaptureFixture[str],
    template: str,
    body_rule: str,
    date_rule: str,
) -> None:
    server = start_replica(portal=Portal(40, seed=1, template=template))
    code, lines, _ = run_probe(server.base_url, capsys)
    assert code == 0
    assert f"3/3   {body_rule} ×3" in field_line(lines, "body")
    assert f"3/3   {date_rule} ×3" in field_line(lines, "published_at")
    assert field_line(lines, "articles").split()[1:5] == ["3", "read", "of", "3"]


def test_probe_of_a_redesigned_site_is_not_ready(
    start_replica: StartReplica, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_replica(changed_article_layout=True)
    code, lines, err = run_probe(server.base_url, capsys)
    assert code == 1 and err == ""
    assert lines[-1] == "verdict       NOT READY: no article page could be read"
    assert "not_article ×" in field_line(lines, "articles")


def test_probe_of_a_site_that_does_not_answer_is_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, lines, err = run_probe("http://127.0.0.1:9", capsys)
    assert code == 1 and err == ""
    assert field_line(lines, "home").startswith("home          cannot fetch:")
    assert lines[-1].startswith("verdict       NOT READY: the home page could not be read")


def test_probe_obeys_robots_txt_served_as_any_type() -> None:
    asked: list[str] = []

    def fetch(url: str) -> Fetched:
        asked.append(url)
        if url.endswith("/robots.txt"):
            return Fetched(url, 200, "User-agent: *\nDisallow: /\n")
        return Fetched(url, 200, "<html><body>home</body></html>")

    result = probe("http://127.0.0.1:8000", fetch=fetch)
    assert asked == ["http://127.0.0.1:8000/robots.txt"]
    assert not result.ready
    assert result.problems == ["the home page could not be read (disallowed by robots.txt)"]


def test_probe_without_categories_or_lists_names_both_problems() -> None:
    def fetch(url: str) -> Fetched:
        if url.endswith("/robots.txt"):
            return Fetched(url, 404, None, "HTTP 404")
        return Fetched(url, 200, "<html><body><p>under construction</p></body></html>")

    result = probe("http://127.0.0.1:8000", fetch=fetch)
    assert result.problems == [
        "no category found (menus, /page/sitemap, home links)",
        "no list page gave article entries",
        "no article page could be read",
    ]
