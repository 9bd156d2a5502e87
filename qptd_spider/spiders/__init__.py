"""Spiders: they navigate; page parsers extract."""
