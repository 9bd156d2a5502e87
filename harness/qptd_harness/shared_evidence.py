"""Where the team's shared evidence about real pages lives: beside the repository, never in it.

``../shared/portal/`` holds real pages of the portal's CMS, real signature lines with hand
labels, the skeleton pages and the seed article. Their text is not ours, so the project keeps
no copy: tests and evaluations read them here at run time (CI has them) and say plainly when
they are absent.
"""

from __future__ import annotations

from pathlib import Path

SHARED_PORTAL = Path(__file__).resolve().parents[2].parent / "shared" / "portal"
REAL_CMS = SHARED_PORTAL / "real-cms"
REAL_SIGNATURES = SHARED_PORTAL / "signatures-real.jsonl"
SKELETONS = SHARED_PORTAL / "skeletons.md"
SEED_ARTICLE = SHARED_PORTAL / "seed-article.txt"
MARKUP = SHARED_PORTAL / "MARKUP.md"


def absent(path: Path) -> str:
    """The line a test or an evaluation prints when a piece of evidence is not here."""
    return f"the shared evidence {path} is not here: what needs it was skipped"
