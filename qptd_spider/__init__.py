"""qptd: crawler and dataset publisher for the Quốc phòng Thủ đô news portal."""

__version__ = "0.1.0"
# Where the project lives: the crawler's User-Agent, the dataset card and the schemas' ids.
PROJECT_URL = "https://github.com/qptd/qptd"
