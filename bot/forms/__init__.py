"""What every form shares: when a message inside a form is an answer and when it leaves the
form (interruptions), how typed words select a choice (choices), and how often a question is
asked before the form moves on (tries)."""
