"""The coordinators' directory pages: the advisors and posts as the assistant uses them,
an advisor set active or inactive in one click, and the whole directory edited as YAML,
checked exactly as `python -m bot.cli directory import` checks it (all or nothing, every
problem by line and field; the edit is kept). The dialogue reads the directory again
within a minute (bot.directory.service)."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import runtime
from bot.console.audit import audit
from bot.console.pages.cases import coordinator_form, coordinator_only
from bot.console.sessions import ActiveSession
from bot.console.web import not_found, render
from bot.directory.files.formats import DirectoryInvalid
from bot.directory.files.importing import import_directory
from bot.directory.files.writing import export_directory
from bot.directory.records import Directory
from bot.directory.tables import read_directory, replace_directory

MAX_YAML_BYTES = 1_000_000  # the whole directory, URL-encoded


def as_yaml(directory: Directory) -> str:
    with tempfile.TemporaryDirectory() as folder:
        (path,) = export_directory(directory, Path(folder) / "directory.yml")
        return path.read_text(encoding="utf-8")


async def _page(
    request: Request,
    active: ActiveSession,
    status: int = 200,
    text: Optional[str] = None,
    problems: Optional[list[str]] = None,
) -> Response:
    await runtime.directory_service().current()  # seeds an empty database, as the dialogue does
    directory = await runtime.database().run(read_directory)  # what is stored this moment
    if text is None:
        text = await asyncio.to_thread(as_yaml, directory)
    return render(request, "directory.html", status, account=active.account,
                  csrf=active.csrf_token, directory=directory, text=text, problems=problems,
                  saved=request.query_params.get("saved"))  # fmt: skip


async def directory_page(request: Request) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    return await _page(request, active)


async def directory_post(request: Request) -> Response:
    """The whole directory as YAML: replaced only when every record is valid."""
    posted = await coordinator_form(request, MAX_YAML_BYTES)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    text = str(form.get("yaml") or "")

    def imported() -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "directory.yml"
            path.write_text(text, encoding="utf-8")
            import_directory(runtime.database(), [path])

    try:
        await asyncio.to_thread(imported)
    except DirectoryInvalid as refused:
        listed = [str(problem).replace("directory.yml", "YAML", 1) for problem in refused.problems]
        return await _page(request, active, 400, text, listed)
    await _changed(active)
    return RedirectResponse("/directory?saved=1", status_code=303)


async def _changed(active: ActiveSession) -> None:
    await runtime.database().run(lambda s: audit(s, active.account.id, "directory_changed"))
    runtime.directory_service().invalidate()


async def set_active(request: Request) -> Response:
    posted = await coordinator_form(request)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    advisor_id = str(request.path_params["advisor_id"])
    wanted = form.get("active") == "1"

    def change(session: Any) -> bool:
        directory = read_directory(session)
        if directory.advisor(advisor_id) is None:
            return False
        advisors = [replace(a, active=wanted) if a.id == advisor_id else a
                    for a in directory.advisors]  # fmt: skip
        replace_directory(session, None, advisors)
        return True

    if not await runtime.database().run(change):
        return not_found(request, active.account)
    await _changed(active)
    return RedirectResponse("/directory?saved=1", status_code=303)
