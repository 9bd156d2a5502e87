"""Only for ``scrapyd-deploy``, which builds the project into an egg with setuptools.

Installing the project uses pyproject.toml (hatchling); this file is not involved there.
The egg carries the article schema inside the package, copied at build time from the
single source in ``schemas/``.
"""

import shutil
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
packaged = HERE / "qptd_spider" / "_schemas"
packaged.mkdir(exist_ok=True)
for schema in (HERE / "schemas").glob("*.json"):
    shutil.copy2(schema, packaged / schema.name)

# Name, version and the `scrapy` entry point come from pyproject.toml's [project] table.
setup(
    packages=find_packages(include=["qptd_spider", "qptd_spider.*"]),
    # The dataset card's prose (a Markdown template) is package data too.
    package_data={"qptd_spider": ["_schemas/*.json", "dataset/templates/*.md"]},
    zip_safe=False,
)
