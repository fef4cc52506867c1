"""Search over the catalogue in every language (SQLite FTS5 trigram + rapidfuzz)."""
