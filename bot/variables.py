"""Every environment variable the project reads: its name, its default as the README shows
it, its meaning and who reads it. The README's "Settings" table is `python -m bot.settings`
(markdown_table); bot/settings.py turns the values into the assistant's settings."""

from __future__ import annotations

from dataclasses import dataclass

# Who reads a variable: the assistant's code reads it here; the others read it themselves.
ASSISTANT = "assistant"
SCRIPTS = "bin/ scripts"
RASA = "Rasa"
TESTS = "tests"


@dataclass(frozen=True)
class Variable:
    name: str
    default: str  # what applies when it is unset, as the README shows it ("" for nothing)
    meaning: str
    read_by: str = ASSISTANT


def _in_state(file: str) -> str:
    return f"file `{file}` in VM_STATE_DIR"


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "VM_STATE_DIR",
        "var",
        "Folder for what the assistant keeps: key files, SQLite databases, the handoff spool",
    ),
    Variable(
        "DATABASE_URL",
        _in_state("veilig-melden.db") + " (SQLite)",
        "The assistant's database: directory, handoffs, cases, channel deliveries "
        "(PostgreSQL in production, e.g. `postgresql://user:pass@host/veilig_melden`)",
    ),
    Variable(
        "VM_TRACKER_STORE_URL",
        "the `tracker_store` of endpoints.yml (SQLite file `var/conversations.db`)",
        "The conversations' database (Rasa's tracker store, encrypted), an SQLAlchemy URL: "
        "PostgreSQL when several Rasa servers share the conversations, e.g. "
        "`postgresql://user:pass@host/veilig_melden_conversations`",
    ),
    Variable(
        "REDIS_URL",
        "",
        "Redis shared by several Rasa servers (`redis://:pass@host:6379/0`): the conversation "
        "locks and the web chat's rooms; unset: one server, both kept in its own process",
    ),
    Variable(
        "VM_ENCRYPTION_KEYS",
        _in_state("encryption.key") + ", created on first use",
        "Fernet keys for text at rest, comma-separated, newest first (file: one per line)",
    ),
    Variable(
        "VM_PSEUDONYM_KEY",
        _in_state("pseudonym.key") + ", created on first use",
        "Key for conversation references, receipt look-ups and opt-out hashes; never change "
        "it while receipts are in use",
    ),
    Variable(
        "VM_WEBCHAT_SECRET",
        _in_state("webchat.key") + ", created on first use",
        "Signs web chat session ids; servers behind one load balancer need the same one",
    ),
    Variable(
        "VM_REST_ENABLED",
        "off",
        "Turns the REST channel on (1, true, yes, on); its conversations never reach another "
        "channel's",
    ),
    Variable(
        "VM_API_TOKEN",
        _in_state("api.token") + ", created on first use",
        "Token of the Rasa HTTP API (`/status`, `/conversations/…`, `/model…`): callers pass "
        "`?token=`; never expose the API through the reverse proxy",
    ),
    Variable(
        "VM_ACTION_SECRET",
        _in_state("action.secret") + ", created on first use",
        "Shared secret the Rasa server sends the action server on every call "
        "(`Authorization: Bearer`); both servers need the same one",
    ),
    Variable(
        "VM_ACTIONS_HOST",
        "127.0.0.1",
        "Address the action server listens on; a private-network address when the Rasa "
        "server runs on another machine",
    ),
    Variable(
        "VM_RECEIPT_MAX_FAILURES",
        "5",
        "Wrong receipt code or passphrase tries before further tries are locked",
    ),
    Variable(
        "VM_RECEIPT_LOCKOUT_MINUTES",
        "30",
        "How long receipt tries stay locked",
    ),
    Variable(
        "VM_RETENTION_CONVERSATION_DAYS",
        "30",
        "Days a conversation is kept after its last message (then `retention run` deletes it)",
    ),
    Variable(
        "VM_RETENTION_HANDOFF_DAYS",
        "90",
        "Days a handoff is kept after the advisor closed it",
    ),
    Variable(
        "VM_RETENTION_CASE_YEARS",
        "5",
        "Years a case is kept after it was closed; then only anonymised counts remain",
    ),
    Variable(
        "VM_EVIDENCE_MAX_FILE_MB",
        "16",
        "Largest file (MB) a user may send with a report; a larger one is refused before it "
        "is read",
    ),
    Variable(
        "VM_EVIDENCE_MAX_CASE_MB",
        "50",
        "Most evidence (MB, files as received) one case may hold",
    ),
    Variable(
        "VM_EVIDENCE_HOLD_HOURS",
        "24",
        "Hours a file a user sent is kept while they have not added it to a report or given "
        "it to an advisor",
    ),
    Variable(
        "VM_CONTENT_DIR",
        "data/content",
        "Every response's seed text, per language (coordinators' published edits lie over it)",
    ),
    Variable(
        "VM_CONTACTS_FILE",
        "contacts.yml",
        "Contact details the answers show (the shipped ones are demo values)",
    ),
    Variable(
        "VM_LANGUAGES_FILE",
        "data/languages.yml",
        "The languages, their own names and the ways users ask for them",
    ),
    Variable(
        "VM_BEHAVIOUR_DIR",
        "data/behaviour",
        "Word stems, per language, that recognise the kind of behaviour described",
    ),
    Variable(
        "VM_DIRECTORY_DIR",
        "data/directory",
        "Posts and advisors loaded into an empty database",
    ),
    Variable(
        "TWILIO_ACCOUNT_SID",
        "",
        "Twilio account (SMS and WhatsApp); without it and the token the channel is off",
    ),
    Variable("TWILIO_AUTH_TOKEN", "", "Twilio auth token; also checks request signatures"),
    Variable(
        "TWILIO_PUBLIC_URL",
        "the URL the request arrived at",
        "Public base URL Twilio calls, when behind a proxy (signatures cover it)",
    ),
    Variable("TWILIO_API_BASE_URL", "https://api.twilio.com", "Twilio's REST API address"),
    Variable(
        "TWILIO_SMS_NUMBER",
        "",
        "Sender of SMS messages that answer no incoming one (replies use the number written to)",
    ),
    Variable(
        "TWILIO_WHATSAPP_NUMBER",
        "",
        "Sender of WhatsApp messages that answer no incoming one",
    ),
    Variable(
        "TELEGRAM_BOT_TOKEN",
        "",
        "The Telegram bot's token; without it and the secret the channel is off",
    ),
    Variable(
        "TELEGRAM_WEBHOOK_SECRET",
        "",
        "The `secret_token` given to Telegram's `setWebhook`",
    ),
    Variable(
        "TELEGRAM_API_BASE_URL",
        "https://api.telegram.org/bot",
        "The Telegram Bot API address",
    ),
    Variable(
        "VM_RASA_URL",
        "http://127.0.0.1:5005",
        "Where the console reaches the Rasa server's API (with the API token); several Rasa "
        "servers: their addresses, comma-separated, tried in turn when one does not answer",
    ),
    Variable(
        "VM_CONSOLE_URL",
        "http://127.0.0.1:5080",
        "The console's public address: the links in notification mails; with https its "
        "cookies are Secure and `__Host-` named",
    ),
    Variable(
        "VM_CONSOLE_HOST",
        "127.0.0.1",
        "Address the console listens on (the reverse proxy forwards to it)",
    ),
    Variable(
        "VM_ESCALATION_WORKING_DAYS",
        "1",
        "Working days (Monday to Friday, in the advisor's or post's time zone) a handoff may "
        "wait unclaimed before the coordinating advisor is told",
    ),
    Variable("VM_COORDINATOR_EMAIL", "", "Address of the coordinating advisor (escalations)"),
    Variable("SMTP_HOST", "", "Mail server for notifications; unset: no mail is sent"),
    Variable("SMTP_PORT", "587", "Port of the mail server"),
    Variable("SMTP_FROM", "", "Sender address of notification mails"),
    Variable("SMTP_USER", "", "Login at the mail server, if it needs one"),
    Variable("SMTP_PASSWORD", "", "Password at the mail server"),
    Variable("SMTP_STARTTLS", "on", "Upgrade the mail connection with STARTTLS (off for loopback)"),
    Variable("RASA_PORT", "5005", "Port of the Rasa server (`bin/run`, `bin/chat`)", SCRIPTS),
    Variable("CONSOLE_PORT", "5080", "Port of the console (`bin/run`)", SCRIPTS),
    Variable("ACTIONS_PORT", "5055", "Port of the action server (`bin/run`)", SCRIPTS),
    Variable(
        "PYTHON",
        "python3.10 on the PATH or under pyenv",
        "The interpreter `bin/setup` builds `.venv` with",
        SCRIPTS,
    ),
    Variable(
        "RASA_TELEMETRY_ENABLED",
        "false",
        "Set by every `bin/` script and the tests: Rasa sends no usage data",
        RASA,
    ),
    Variable(
        "VM_TEST_MODEL",
        "models/veilig-melden.tar.gz",
        "The trained model the tests use",
        TESTS,
    ),
)

DECLARED: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}


def shown_default(variable: Variable) -> str:
    """The default as the README's table shows it: a value in code style, a description
    as it is."""
    if not variable.default:
        return "none"
    return variable.default if " " in variable.default else f"`{variable.default}`"


def markdown_table() -> str:
    """The README's "Settings" table."""
    lines = ["| variable | default | read by | meaning |", "|---|---|---|---|"]
    for variable in VARIABLES:
        lines.append(
            f"| `{variable.name}` | {shown_default(variable)} | {variable.read_by} "
            f"| {variable.meaning} |"
        )
    return "\n".join(lines)
