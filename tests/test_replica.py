"""The replica itself: loopback only, deterministic, faithful variants, ground truth."""

from __future__ import annotations

import json
import urllib.request

import pytest

from qptd_harness.replica import Portal, ReplicaServer
from qptd_harness.replica.content import CATEGORIES, LEAVES
from tests.conftest import StartReplica


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def _get_final(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.url, response.read().decode("utf-8")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_refuses_to_bind_beyond_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        ReplicaServer(Portal(5), host=host)


def test_the_portal_is_deterministic_and_has_enough_categories() -> None:
    one, two = Portal(200, seed=3), Portal(200, seed=3)
    assert [one.truth(i) for i in range(200)] == [two.truth(i) for i in range(200)]
    assert Portal(200, seed=4).truth(5)["title"] != one.truth(5)["title"] or (
        Portal(200, seed=4).truth(5)["body"] != one.truth(5)["body"]
    )
    assert len([c for c in CATEGORIES if c.parent is None]) >= 6
    assert any(c.parent for c in CATEGORIES)


def test_category_pages_partition_the_leaf_articles() -> None:
    portal = Portal(437, seed=2, items_per_page=10)
    seen: list[int] = []
    for leaf in LEAVES:
        for page in range(1, portal.last_page(leaf.path) + 1):
            seen += portal.category_page(leaf.path, page)
    assert sorted(seen) == list(range(437))


@pytest.mark.parametrize(
    ("template", "final_path", "says"),
    [
        # The real CMS redirects an unknown path to /page/404, which answers 200.
        ("real", "/page/404", "Liên kết không tồn tại"),
        ("mixed", "/page/404", "Liên kết không tồn tại"),
        # The hand-made clones answered the unknown path itself with a 200 page.
        ("skeleton", "/quoc-te/khong-co-bai-nay.html", "Trang không tồn tại"),
    ],
)
def test_unknown_pages_are_soft_404s(
    start_replica: StartReplica, template: str, final_path: str, says: str
) -> None:
    server = start_replica(portal=Portal(10, template=template))
    status, final_url, body = _get_final(server.base_url + "/quoc-te/khong-co-bai-nay.html")
    assert (status, final_url) == (200, server.base_url + final_path)
    assert says in body


def test_truth_endpoints(start_replica: StartReplica) -> None:
    server = start_replica(15)
    _, index = _get(server.base_url + "/__truth__/index.jsonl")
    lines = [json.loads(x) for x in index.splitlines()]
    assert len(lines) == 15
    _, one = _get(server.base_url + "/__truth__" + lines[3]["path"])
    assert json.loads(one) == lines[3]


def test_sitemap_only_when_asked(start_replica: StartReplica) -> None:
    without = start_replica(10)
    with pytest.raises(urllib.error.HTTPError):
        _get(without.base_url + "/sitemap.xml")
    with_map = start_replica(10, sitemap=True)
    _, index = _get(with_map.base_url + "/sitemap.xml")
    assert "sitemap-1.xml" in index
    _, chunk = _get(with_map.base_url + "/sitemap-1.xml")
    assert chunk.count("<loc>") == 10


def test_ignored_pagination_serves_page_one(start_replica: StartReplica) -> None:
    server = start_replica(300, pagination="ignored")
    _, page3 = _get(server.base_url + "/thoi-su-chinh-tri?page=3")
    assert "pageNo: 1," in page3
