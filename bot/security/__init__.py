"""What keeps stored conversations, files and logs from giving people away: redaction of
conversation events, owner-only files, and the logging filter."""
