"""The advisor search in the dialogue, independent of Rasa."""
