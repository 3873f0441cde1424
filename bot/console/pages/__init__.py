"""The console's pages: logging in and out (auth), the advisor's inbox and conversations
(inbox)."""
