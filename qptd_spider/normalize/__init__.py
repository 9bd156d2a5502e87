"""Pure normalization functions: text, dates, signatures. No I/O, no Scrapy."""
