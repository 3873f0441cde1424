"""Language: identification, the conversation language, the NLU components."""
