"""Pantau PDM domain layer: pure Python, no Streamlit. `store` is the only door to DuckDB."""
