"""Stage 1: the raw tables, synthetic (datagen) or real (ingest), validated into Parquet."""
