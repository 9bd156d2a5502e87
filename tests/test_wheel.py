"""The product as a user installs it: a wheel, in a fresh virtual environment, used from a
folder that is not the repository. It crawls (the replica, served from this test), merges
and exports; it carries no test harness."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qptd_harness.runner import PROJECT_ROOT
from tests.conftest import StartReplica

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the wheel, the bin folder of a fresh venv with it installed)."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(work),
            str(PROJECT_ROOT),
        ],
        check=True,
        timeout=300,
    )
    [wheel] = work.glob("qptd-*.whl")
    env = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        timeout=900,
    )
    yield wheel, env / "bin"


def test_the_wheel_holds_the_product_only(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "qptd_spider/_schemas/article.schema.json" in names
    assert "qptd_spider/spiders/qptd.py" in names
    assert "qptd_spider/dataset/templates/card.md" in names
    assert not [n for n in names if n.startswith(("qptd_harness", "tests/", "benchmarks/"))]


def test_the_installed_package_crawls_merges_and_exports_from_any_folder(
    installed: tuple[Path, Path], start_replica: StartReplica, tmp_path: Path
) -> None:
    _, bin_dir = installed
    server = start_replica(25)
    somewhere = tmp_path / "anywhere"
    somewhere.mkdir()
    exports = tmp_path / "exports"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / "qptd"), *args],
            cwd=somewhere,
            capture_output=True,
            text=True,
            timeout=300,
        )

    crawl = run(
        "crawl",
        "-a",
        f"base_url={server.base_url}",
        "-s",
        f"QPTD_EXPORTS={exports}",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-O",
        str(tmp_path / "out.parquet"),
    )
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "Disabled" not in crawl.stderr  # no warning about the distributed extension
    merge = run("merge", "--exports", str(exports))
    assert merge.returncode == 0 and "25 added" in merge.stdout, merge.stderr
    export = run("export", "--exports", str(exports))
    assert export.returncode == 0 and "loads with datasets" in export.stdout, export.stderr
    assert not (somewhere / "exports").exists()
    # The harness is not part of it.
    demo = run("demo")
    assert demo.returncode == 2 and "comes with the test harness" in demo.stderr


def test_scrapy_crawl_works_in_a_project_of_ones_own(
    installed: tuple[Path, Path], start_replica: StartReplica, tmp_path: Path
) -> None:
    """`scrapy crawl qptd` needs the project's settings: a scrapy.cfg naming them."""
    _, bin_dir = installed
    server = start_replica(5)
    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = qptd_spider.settings\n")
    done = subprocess.run(
        [
            str(bin_dir / "scrapy"),
            "crawl",
            "qptd",
            "-a",
            f"base_url={server.base_url}",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "exports" / "replica" / "runs").glob("*/journal.jsonl"))


def test_a_distributed_crawl_without_the_extra_says_which_extra(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, bin_dir = installed
    done = subprocess.run(
        [
            str(bin_dir / "qptd"),
            "crawl",
            "-s",
            "QPTD_REDIS_URL=redis://127.0.0.1:1/0",
            "-s",
            f"QPTD_EXPORTS={tmp_path}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "qptd crawl: QPTD_REDIS_URL is set but scrapy-redis is not installed: "
        "pip install 'qptd[distributed]'"
    )


def test_the_wheel_carries_its_licence_and_points_to_the_harness(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    """Issue 24: no LICENSE although `license = "MIT"`; `qptd demo` said "invalid choice"."""
    wheel, bin_dir = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    for command in ("demo", "replica"):
        done = subprocess.run(
            [str(bin_dir / "qptd"), command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            f"qptd: `qptd {command}` comes with the test harness: from a clone of the "
            "repository, pip install ./harness"
        ]
