"""Shared fixtures: the portal replica on a free loopback port, stored fixture pages."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from qptd_harness.replica import Portal, ReplicaServer, Variants

# Hugging Face libraries: no network, and a cache of the test run's own, not the user's.
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="qptd-hf-home-"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"

PAGES = Path(__file__).parent / "fixtures" / "pages"
MANIFEST: dict[str, dict[str, str]] = json.loads((PAGES / "manifest.json").read_text("utf-8"))
ARTICLE_FIXTURES = sorted(n for n, e in MANIFEST.items() if e.get("kind") != "not_article")
NOT_ARTICLE_FIXTURES = sorted(n for n, e in MANIFEST.items() if e.get("kind") == "not_article")

StartReplica = Callable[..., ReplicaServer]


def isolated_crawl_settings(directory: Path, name: str = "crawl") -> dict[str, str]:
    """Replica crawl settings with an exports root of their own, ``directory/<name>``
    (the defaults point at the repository's exports/, which tests must never touch), and the
    crawl's stats in ``directory/<name>.stats.json``."""
    from qptd_harness.replica import REPLICA_CRAWL_SETTINGS

    return {
        **REPLICA_CRAWL_SETTINGS,
        "LOG_LEVEL": "WARNING",
        "QPTD_EXPORTS": str(directory / name),
        "QPTD_STATS_FILE": str(directory / f"{name}.stats.json"),
    }


def latest_run_file(exports: Path, name: str = "report.json") -> dict[str, object]:
    """A file of the newest run of an exports root (its report, record or stats)."""
    runs = sorted(p for p in (exports / "runs").iterdir() if p.is_dir())
    loaded: dict[str, object] = json.loads((runs[-1] / name).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def start_replica() -> Iterator[StartReplica]:
    """Start replicas in threads on free ports; all are stopped after the test."""
    servers: list[ReplicaServer] = []

    def start(
        articles: int = 60, seed: int = 1, portal: Portal | None = None, **variants: object
    ) -> ReplicaServer:
        portal = portal or Portal(articles, seed=seed)
        server = ReplicaServer(portal, Variants(**variants))  # type: ignore[arg-type]
        server.start_in_thread()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def page_html(name: str) -> str:
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


def page_expected(name: str) -> dict[str, object]:
    return json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))


def replica_articles(portal: Portal, paths: Iterable[str]) -> list[int]:
    """The replica article behind each path, sorted. The portal serves some articles under
    a second category path (the real CMS does), and a dataset row's URL may be either; a
    path the replica does not serve fails the test."""
    paths = list(paths)
    indexes = [portal.index_of(path) for path in paths]
    assert None not in indexes, [p for p, i in zip(paths, indexes, strict=True) if i is None]
    return sorted(i for i in indexes if i is not None)
