"""qptd's test harness: the portal replica, evaluation, fault runs, demo and crawl runner.

It may import the product (``qptd_spider``); the product never imports it.
"""
