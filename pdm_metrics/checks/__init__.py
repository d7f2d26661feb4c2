"""From cells to checked rows: the rules (SQL, messages, switches) and the DuckDB they run in."""
