"""Content: every text by name and language, rendered per channel."""
