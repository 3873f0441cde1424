"""Retention: what the assistant keeps, and for how long (docs/cases.md, "Retention").

Conversations go 30 days after their last message, closed handoffs 90 days after they were
closed, closed cases 5 years after closing (each configurable in bot.settings); a deleted
case leaves only anonymised counts for the annual overview. `python -m bot.cli retention
run [--dry-run]` runs it by hand; `bot.retention.schedule` runs it daily in a server."""
