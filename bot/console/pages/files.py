"""Opening an attachment: `/cases/{id}/files/{file_id}` for the coordinators,
`/handoffs/{id}/files/{file_id}` for an advisor who may see the handoff. Who may open a file
is who may see its page; a file the case or handoff does not hold is "not found", as is one
that does not exist. Each opening is audited (bot.console.attachments); the database, the
decryption and the audit run on a worker thread, off the event loop."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from starlette.requests import Request
from starlette.responses import Response

from bot import runtime
from bot.cases.model import CaseNotFound
from bot.console.attachments import (
    file_response,
    open_case_file,
    open_handoff_file,
    valid_file_id,
)
from bot.console.pages.cases import actor_of, case_id_of, coordinator_only
from bot.console.pages.inbox import advisor_desk
from bot.console.web import not_found
from bot.encryption import bytes_cipher
from bot.evidence.store import Evidence


def _file_id(request: Request) -> Optional[str]:
    return valid_file_id(str(request.path_params["file_id"]))


async def case_file(request: Request) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    case_id, file_id = case_id_of(request), _file_id(request)
    if case_id is None or file_id is None:
        return not_found(request, active.account)
    actor, account = actor_of(active)
    now = datetime.now(timezone.utc)

    def read(session: Any) -> Optional[tuple[Evidence, bytes]]:
        return open_case_file(session, case_id, file_id, bytes_cipher(), actor, account, now)

    try:
        opened = await runtime.database().run(read)
    except CaseNotFound:
        opened = None
    if opened is None:
        return not_found(request, active.account)
    return file_response(*opened)


async def handoff_file(request: Request) -> Response:
    found = await advisor_desk(request)
    if isinstance(found, Response):
        return found
    handoff_id, file_id = str(request.path_params["handoff_id"]), _file_id(request)
    account = found.active.account
    if file_id is None:
        return not_found(request, account)

    def read(session: Any) -> Optional[tuple[Evidence, bytes]]:
        return open_handoff_file(
            session, account, found.directory, handoff_id, file_id, bytes_cipher()
        )

    opened = await runtime.database().run(read)
    if opened is None:
        return not_found(request, account)
    return file_response(*opened)
