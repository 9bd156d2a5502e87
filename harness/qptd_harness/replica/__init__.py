"""A faithful local replica of the QPTĐ portal, for tests, benchmarks and the offline demo."""

from .content import Portal
from .render import Variants
from .server import ReplicaServer

# Settings for crawling the replica on loopback: no politeness delays needed there.
REPLICA_CRAWL_SETTINGS: dict[str, str] = {
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
}

__all__ = ["REPLICA_CRAWL_SETTINGS", "Portal", "ReplicaServer", "Variants"]
