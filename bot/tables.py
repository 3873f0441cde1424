"""Every table of the assistant's database in one place. Importing this module puts them
all in `bot.db.Base.metadata`, which Alembic's autogenerate, the schema drift test and
`db reencrypt` read; a new module that declares a table is added here."""

from __future__ import annotations

from sqlalchemy import MetaData

from bot import deliveries
from bot.cases import lockout, model
from bot.console import accounts, audit, digest, sessions
from bot.content import edits
from bot.db import Base
from bot.directory import tables
from bot.evidence import store as evidence
from bot.handoffs import messages, store
from bot.retention import overview

MODULES = (
    model,
    lockout,
    tables,
    store,
    messages,
    deliveries,
    overview,
    accounts,
    sessions,
    audit,
    digest,
    edits,
    evidence,
)

metadata: MetaData = Base.metadata
