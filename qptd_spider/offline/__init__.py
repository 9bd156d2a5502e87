"""Offline runs: rows re-derived without the network, written like a crawl's run.

``reparse`` reads the WARC archive with today's page parsers and normalizers;
``renormalize`` re-runs the normalizers over the stored rows; ``run`` is what both share
(run folder, journal, failures, report, the run's record).
"""
