"""Evidence a user sends with a report: what a file is (by its content, never its name),
the size limits, taking identifying metadata out before anything is stored, and the file
encrypted at rest in chunks. Channels, storage and the dialogue are wired elsewhere;
docs/evidence.md says what is done and what is not."""
