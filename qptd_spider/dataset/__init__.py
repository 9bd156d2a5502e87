"""The published dataset: versioned Parquet store, incremental merge, Hugging Face folder,
statistics and reports."""
