"""The integrity coordinator's case store."""
