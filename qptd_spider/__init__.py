"""qptd: crawler and dataset publisher for the Quốc phòng Thủ đô news portal."""

__version__ = "0.1.0"
