"""Handoffs of a conversation to advisors."""
