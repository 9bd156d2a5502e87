"""Page parsers: HTML and a URL in, fields out. They do no I/O and know nothing of Scrapy."""

from .article import ArticlePage, ListingHint
from .listing import ListingEntry, ListingPage, Pagination

__all__ = ["ArticlePage", "ListingEntry", "ListingHint", "ListingPage", "Pagination"]
