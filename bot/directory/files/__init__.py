"""Directory files: reading, validation, writing and importing."""
