"""Stage 2: the batch feature build (DuckDB SQL) and the online store's materialization."""
