"""Features core: where the data lives, the feature store handle, the catalog, the online reads.

Used by training and serving alike; imports neither. Heavy parts (Feast, DuckDB) load only in the
modules that need them, so a gRPC service that reads Redis never pays for them.
"""
