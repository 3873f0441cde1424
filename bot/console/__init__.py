"""The console: the web application where advisors answer handed-off conversations (and,
later, coordinators keep the answers and the cases). A process of its own
(`python -m bot.console`), started by bin/run beside the Rasa and action servers.

- accounts: who may log in (argon2 passwords, a TOTP second factor, lockout)
- sessions: server-side sessions behind a cookie, with CSRF tokens and an idle timeout
- audit: who viewed or did what, when (never content)
- desk: what an advisor may see and do with handoffs (claim, hold, close)
- assistant: the Rasa HTTP API as the console uses it (pause, resume, add a message)
- app: the Starlette application, its pages and the security headers
"""
