"""The two lanes of the suite: `make test-fast` leaves out the tests marked `integration`
(a whole crawl, a browser, a process killed mid-write), `make test` runs them all. A test
that crawls without the mark would slow the edit loop down unseen: this finds them."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
# What makes a test slow: a crawl (in a subprocess or in process, the demo's), a browser.
SLOW_CALLS = ("run_crawl", "crawl_command", "CrawlerProcess", "CrawlerRunner", "chromium")


def _marked(node: ast.FunctionDef | ast.Module) -> bool:
    if isinstance(node, ast.Module):
        return any(
            isinstance(s, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in s.targets)
            and "integration" in ast.unparse(s.value)
            for s in node.body
        )
    return any("mark.integration" in ast.unparse(d) for d in node.decorator_list)


def _is_slow(source: str) -> bool:
    """``source`` as ast.unparse writes it (single quotes)."""
    return (
        any(call in source for call in SLOW_CALLS)
        or "main(['demo'" in source
        # A process started against the replica is a crawl (the README's commands).
        or ("start_replica" in source and "subprocess." in source)
    )


def unmarked_slow_tests(path: Path) -> list[str]:
    """Tests of one file that crawl (themselves, through a helper or a fixture of the same
    file) without the `integration` mark."""
    module = ast.parse(path.read_text(encoding="utf-8"))
    if _marked(module):
        return []
    functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
    slow = {name for name, f in functions.items() if _is_slow(ast.unparse(f))}
    grown = True
    while grown:  # helpers and fixtures that use slow helpers are slow too
        names_used = {
            name: {n.id for n in ast.walk(f) if isinstance(n, ast.Name)}
            | {a.arg for a in f.args.args}
            for name, f in functions.items()
        }
        more = {name for name, used in names_used.items() if used & slow} - slow
        slow |= more
        grown = bool(more)
    return sorted(
        name for name in slow if name.startswith("test_") and not _marked(functions[name])
    )


def test_every_test_that_crawls_is_in_the_slow_lane() -> None:
    unmarked = {
        path.name: found
        for path in sorted(TESTS.glob("test_*.py"))
        if path.name != Path(__file__).name and (found := unmarked_slow_tests(path))
    }
    assert unmarked == {}


def test_a_test_that_crawls_through_a_helper_is_found(tmp_path: Path) -> None:
    source = tmp_path / "test_x.py"
    source.write_text(
        "def _crawl(out):\n    return run_crawl(out)\n\n"
        "def test_a(tmp_path):\n    _crawl(tmp_path)\n\n"
        "@pytest.mark.integration\ndef test_b(tmp_path):\n    _crawl(tmp_path)\n\n"
        "def test_c():\n    assert True\n",
        encoding="utf-8",
    )
    assert unmarked_slow_tests(source) == ["test_a"]
