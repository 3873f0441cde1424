"""Typed-conversation evaluation: scripted users talk to the real servers over REST, and each
conversation is judged on its outcome (evaluation/conversations/<lang>.yml)."""
