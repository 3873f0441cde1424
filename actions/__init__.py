"""Custom actions: thin adapters from the dialogue to the application core in bot/."""
