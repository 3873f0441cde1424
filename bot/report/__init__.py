"""The report form and the status check in the dialogue."""
