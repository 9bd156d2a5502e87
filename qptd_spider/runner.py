"""Run ``scrapy crawl qptd`` in a subprocess: the demo, the tests and the benchmarks all
crawl through the real command line, exactly as a user does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def crawl_command(
    output: Path,
    spider_args: Mapping[str, str] | None = None,
    settings: Mapping[str, str] | None = None,
) -> list[str]:
    """The ``scrapy crawl qptd -O OUTPUT -a ... -s ...`` command as an argument list."""
    command = [sys.executable, "-m", "scrapy", "crawl", "qptd", "-O", str(output)]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    for key, value in (settings or {}).items():
        command += ["-s", f"{key}={value}"]
    return command


def run_crawl(
    output: Path,
    spider_args: Mapping[str, str] | None = None,
    settings: Mapping[str, str] | None = None,
    log_file: Path | None = None,
    timeout: float = 1800,
) -> subprocess.CompletedProcess[str]:
    """Run a crawl from the project root (where scrapy.cfg is); raise if it fails."""
    command = crawl_command(output, spider_args, settings)
    if log_file is not None:
        command += ["-s", f"LOG_FILE={log_file}"]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout, check=True
    )
