"""The harness's subcommands of ``qptd``: ``qptd demo`` and ``qptd replica serve|truth``.

The product's command line finds them through the ``qptd.commands`` entry point group, so
``qptd`` itself never imports the harness; an installed qptd without the harness simply
has no such subcommands.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from qptd_spider.cli import bounded


def cmd_replica_serve(args: argparse.Namespace) -> int:
    """Serve the replica until interrupted; the first line printed is its base URL."""
    from .replica import Portal, ReplicaServer, Variants

    variants = Variants(
        pagination=args.pagination, list_layout=args.list_layout, sitemap=args.sitemap
    )
    portal = Portal(
        args.articles, seed=args.seed, edit_round=args.edit_round, edit_every=args.edit_every
    )
    faults = None
    if args.faults:
        from .replica.faults import FAULT_KINDS, FaultPlan

        kinds = (
            tuple(k for k in args.fault_kinds.split(",") if k) if args.fault_kinds else FAULT_KINDS
        )
        faults = FaultPlan(rate=args.faults, kinds=kinds, max_failures=args.fault_max_failures)
    server = ReplicaServer(portal, variants, host=args.host, port=args.port, faults=faults)
    print(server.base_url, flush=True)
    if args.port_file:
        Path(args.port_file).write_text(server.base_url + "\n", encoding="utf-8")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_replica_truth(args: argparse.Namespace) -> int:
    """Write the ground truth of every replica article as JSON Lines."""
    from .replica import Portal

    portal = Portal(args.articles, seed=args.seed)
    lines = (
        json.dumps(portal.truth(i), ensure_ascii=False) + "\n" for i in range(portal.n_articles)
    )
    if args.output == "-":
        sys.stdout.writelines(lines)
    else:
        with Path(args.output).open("w", encoding="utf-8") as out:
            out.writelines(lines)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(
        articles=args.articles, seed=args.seed, exports=Path(args.exports), quiet=args.quiet
    )


_port = bounded(int, 0, 65535)  # 0: any free port
_positive = bounded(int, 1)
_rate = bounded(float, 0, 1)


def register(sub: Any) -> None:
    """Add the harness's subcommands to the ``qptd`` parser's subparsers."""
    replica = sub.add_parser("replica", help="the local replica of the portal (test harness)")
    rsub = replica.add_subparsers(dest="replica_command", required=True)
    p = rsub.add_parser("serve", help="serve the replica on loopback")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    p.add_argument("--port", type=_port, default=0, help="port (0: a free one)")
    p.add_argument("--articles", type=_positive, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pagination", choices=["query", "links", "ignored"], default="query")
    p.add_argument(
        "--list-layout", choices=["mixed", "type2", "h3_time_news", "news_title"], default="mixed"
    )
    p.add_argument("--sitemap", action="store_true", help="serve /sitemap.xml")
    p.add_argument("--edit-round", type=int, default=0, help="revise articles (round N > 0)")
    p.add_argument("--edit-every", type=_positive, default=10, help="revise every K-th article")
    p.add_argument("--faults", type=_rate, default=0.0, help="share of pages that fail (0-1)")
    p.add_argument("--fault-kinds", help="comma-separated kinds (default: all, see faults.py)")
    p.add_argument(
        "--fault-max-failures", type=_positive, default=6, help="a fault heals after 1..N attempts"
    )
    p.add_argument("--port-file", help="also write the base URL to this file")
    p.set_defaults(func=cmd_replica_serve)
    p = rsub.add_parser("truth", help="write the replica's ground truth as JSON Lines")
    p.add_argument("--articles", type=_positive, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", default="-")
    p.set_defaults(func=cmd_replica_truth)

    p = sub.add_parser("demo", help="crawl the bundled replica end to end, offline (harness)")
    p.add_argument("--articles", type=_positive, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--exports", default="exports/demo", help="the demo's own exports root")
    p.add_argument("--quiet", action="store_true", help="less Scrapy log output")
    p.set_defaults(func=cmd_demo)
