"""Run a crawl in a subprocess with ``qptd crawl`` (``scrapy crawl qptd``): the demo, the
tests and the benchmarks all crawl through the real command line, exactly as a user does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def crawl_command(
    output: Path | None,
    spider_args: Mapping[str, str] | None = None,
    settings: Mapping[str, str] | None = None,
) -> list[str]:
    """The ``qptd crawl [-O OUTPUT] -a ... -s ...`` command as an argument list."""
    command = [sys.executable, "-m", "qptd_spider.cli", "crawl"]
    if output is not None:
        command += ["-O", str(output)]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    for key, value in (settings or {}).items():
        command += ["-s", f"{key}={value}"]
    return command


def run_crawl(
    output: Path | None,
    spider_args: Mapping[str, str] | None = None,
    settings: Mapping[str, str] | None = None,
    log_file: Path | None = None,
    timeout: float = 1800,
    check: bool = True,
    cwd: Path = PROJECT_ROOT,
) -> subprocess.CompletedProcess[str]:
    """Run a crawl; raise if it fails (unless ``check`` is False)."""
    command = crawl_command(output, spider_args, settings)
    if log_file is not None:
        command += ["-s", f"LOG_FILE={log_file}"]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=check
    )
