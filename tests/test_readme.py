"""The README's operations block is a recipe people paste into cron: it runs here, command
by command, against the replica, in an exports root of its own."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import StartReplica, isolated_crawl_settings

README = Path(__file__).parent.parent / "README.md"
BIN = Path(sys.executable).parent


def _block_after(heading: str) -> list[str]:
    """The commands of the first ```sh block after ``heading``, comments dropped."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"no sh block after {heading!r}"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


@pytest.mark.integration
def test_one_scheduled_run_works_as_written(start_replica: StartReplica, tmp_path: Path) -> None:
    server = start_replica(60)
    commands = _block_after("### One scheduled run")
    assert [shlex.split(c)[:2] for c in commands] == [
        [".venv/bin/qptd", "crawl"],
        [".venv/bin/qptd", "merge"],
        [".venv/bin/qptd", "export"],
        [".venv/bin/qptd", "stats"],
    ]
    settings = isolated_crawl_settings(tmp_path, "exports")
    env = {**os.environ, "QPTD_EXPORTS": settings.pop("QPTD_EXPORTS")}
    outputs = []
    for command in commands:
        argv = shlex.split(command)
        argv[0] = str(BIN / Path(argv[0]).name)
        if argv[1] == "crawl":  # the replica instead of the live portal, at full speed
            argv += ["-a", f"base_url={server.base_url}"]
            argv += [x for k, v in settings.items() for x in ("-s", f"{k}={v}")]
        done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr[-2000:])
        outputs.append(done.stdout)
    assert "articles:        60" in outputs[-1]
    assert (tmp_path / "exports" / "hf" / "README.md").is_file()
